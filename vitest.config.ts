import { defineConfig } from 'vitest/config'

// Unit tests: the engine, CLI and server run as plain Node code; no browser, no Electron.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: tfjs-wasm tests are CPU-heavy, so run files two at a time.
    maxWorkers: 2,
    pool: 'forks'
  }
})
