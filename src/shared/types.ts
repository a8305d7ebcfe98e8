// Record types shared by the engine and the renderer. Plain data only (JSON-serialisable), so the
// same values travel over IPC, WebSocket and into files on disk.
// One file per domain; this barrel keeps every `import … from '…/shared/types'` working.

export type * from './app'
export type * from './jobs'
export type * from './datasets'
export type * from './runs'
export type * from './experiments'
export type * from './inference'
export type * from './evaluation'
export type * from './explore'
export type * from './combine'
