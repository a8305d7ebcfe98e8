import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { HANG_MS } from './test/limits'

// Tests that train real models or start many CLI/job processes: seconds to a minute each on a quiet
// 2-core machine, several times that under load. They form the `unit-slow` tier, which `npm test`
// and `npm run test:unit` run with the rest; `npx vitest run --project unit` leaves them out while
// you iterate. Every tier has the same generous limit (test/limits.ts): none depends on speed.
export const SLOW_UNIT_TESTS = [
  'test/unit/train/cli.test.ts', // the CLI in child processes: train, Ctrl-C, resume, experiments
  'test/unit/train/experiment.test.ts', // a 2 strides × 2 seeds grid trained through its queue
  'test/unit/train/service.test.ts', // training jobs through the service: cancel, resume, experiments
  'test/unit/train/resume.test.ts', // runs interrupted and resumed to the same end
  'test/unit/train/trainer.test.ts', // whole training runs: evaluation, early stopping, frame heads
  'test/unit/train/hooks.test.ts', // tiny runs seen through training hooks, one failing and resumed
  'test/unit/train/parallel.test.ts', // data-parallel shards against one thread, step by step
  'test/unit/train/parallel.trainer.test.ts', // a 2-thread run follows the 1-thread run
  'test/unit/models/htsat.train.test.ts', // HTS-AT learns frame events
  'test/unit/models/frameHead.train.test.ts', // a frame head learns event times
  'test/unit/models/astTrain.test.ts', // AST brings its loss down
  'test/unit/jobs/manager.test.ts', // job processes: crash, out of memory, cancel, kill
  'test/unit/faults/kills.test.ts', // SIGKILL at named points of real runs, then resume
  'test/unit/faults/fullDisk.test.ts', // a full disk at each kind of write, whole runs included
  'test/unit/runs/predictions.test.ts', // a trained run's per-clip predictions against its metrics
  'test/unit/runs/embeddingMap.test.ts', // embeddings of a trained run through UMAP
  'test/unit/runs/combine.test.ts', // checkpoint averaging and ensembles of trained runs
  'test/unit/infer/live.test.ts', // live tagging with a trained, exported model
  'test/unit/train/ort/trainer.test.ts', // whole runs on the ort engine, kill -9 and resume across engines
  'test/unit/train/crnn.trainer.test.ts', // a CRNN frame task trained for several epochs
  'test/unit/executors/slurm.cluster.test.ts', // grids trained as jobs of a one-node Slurm cluster
  'test/unit/executors/slurm.service.test.ts' // the same through the service and its events
]

// Unit tests: the engine, CLI and server run as plain Node code; no browser, no Electron.
export default defineConfig({
  // The renderer's '@shared' (electron.vite.config.ts): renderer logic under test imports shared data too.
  resolve: { alias: { '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)) } },
  test: {
    environment: 'node',
    testTimeout: HANG_MS,
    hookTimeout: HANG_MS,
    expect: { poll: { timeout: HANG_MS } },
    // Two cores: tfjs-wasm tests are CPU-heavy, so run files two at a time.
    maxWorkers: 2,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], exclude: SLOW_UNIT_TESTS } },
      { extends: true, test: { name: 'unit-slow', include: SLOW_UNIT_TESTS } }
    ]
  }
})
