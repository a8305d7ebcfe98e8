import { defineConfig } from 'vitest/config'

// End-to-end: server mode + the built renderer in Debian's Chromium via playwright-core.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 180_000,
    fileParallelism: false
  }
})
