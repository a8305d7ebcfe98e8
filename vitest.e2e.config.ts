import { defineConfig } from 'vitest/config'
import { HANG_MS } from './test/limits'

// End-to-end: server mode + the built renderer in headless Chromium via playwright-core (see
// test/chromium.ts for which Chromium). Limits are hang detectors (test/limits.ts), never speed tests.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: HANG_MS,
    hookTimeout: HANG_MS,
    expect: { poll: { timeout: HANG_MS } },
    fileParallelism: false
  }
})
