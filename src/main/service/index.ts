// The engine as the UI sees it: one `handle(method, params)` behind both transports (Electron IPC
// and the server mode WebSocket). Long work is started as a job process through the JobManager;
// everything here returns quickly.
import type { ApiEvent, ApiMethod, AppInfo, ParamsOf, ResultOf } from '../../shared/api'
import type { JobManager } from '../jobs/manager'
import { handlers as appHandlers } from './app'
import { handlers as cacheHandlers } from './cache'
import { handlers as datasetHandlers } from './datasets'
import { handlers as tagHandlers } from './tag'
import { handlers as runHandlers } from './runs'
import { handlers as exploreHandlers } from './explore'

export interface ServiceContext {
  transport: AppInfo['transport']
  jobs: JobManager
  emit: (event: ApiEvent) => void
}

export type Handler<M extends ApiMethod> = (params: ParamsOf<M>, ctx: ServiceContext) => Promise<ResultOf<M>> | ResultOf<M>
export type HandlerTable = { [M in ApiMethod]?: Handler<M> }

const TABLES: HandlerTable[] = [appHandlers, cacheHandlers, datasetHandlers, tagHandlers, runHandlers, exploreHandlers]

export interface Service {
  handle(method: string, params: unknown): Promise<unknown>
}

export function createService(ctx: ServiceContext): Service {
  const table: HandlerTable = Object.assign({}, ...TABLES)
  return {
    async handle(method, params) {
      const handler = table[method as ApiMethod] as Handler<ApiMethod> | undefined
      if (!handler) throw new Error(`Unknown request '${method}'`)
      return handler(params as never, ctx)
    }
  }
}
