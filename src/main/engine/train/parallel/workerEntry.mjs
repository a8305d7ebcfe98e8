// Worker-thread entry for running gradientWorker.ts from source (dev, CLI, tests, benches), the same
// bootstrap as the feature cache's (audio/cacheWorkerEntry.mjs): loader hooks that the parent
// registered with tsx do not reach worker threads, so register tsx here, then load the TS worker.
import { register } from 'tsx/esm/api'

register()
await import('./gradientWorker.ts')
