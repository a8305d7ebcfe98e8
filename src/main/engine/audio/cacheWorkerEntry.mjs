// Worker-thread entry for running cacheWorker.ts from source (dev, CLI, tests): loader hooks that the
// parent registered with tsx do not reach worker threads, so register tsx here, then load the TS worker.
import { register } from 'tsx/esm/api'

register()
await import('./cacheWorker.ts')
