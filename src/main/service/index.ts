// The engine as the UI sees it: one `handle(method, params)` behind both transports (Electron IPC
// and the server mode WebSocket). Long work is started as a job process through the JobManager;
// everything here returns quickly.
import type { ApiEvent, ApiMethod, AppInfo, ParamsOf, ResultOf } from '../../shared/api'
import { checkParams, isApiMethod } from '../../shared/apiSchema'
import { show } from '../../shared/schema'
import type { JobManager } from '../jobs/manager'
import { handlers as appHandlers } from './app'
import { handlers as cacheHandlers } from './cache'
import { handlers as datasetHandlers } from './datasets'
import { handlers as tagHandlers } from './tag'
import { handlers as runHandlers } from './runs'
import { handlers as slurmHandlers, resumeWatchingIfNeeded } from './slurm'
import { handlers as exploreHandlers } from './explore'

export interface ServiceContext {
  transport: AppInfo['transport']
  jobs: JobManager
  emit: (event: ApiEvent) => void
}

export type Handler<M extends ApiMethod> = (params: ParamsOf<M>, ctx: ServiceContext) => Promise<ResultOf<M>> | ResultOf<M>
export type HandlerTable = { [M in ApiMethod]?: Handler<M> }

const TABLES: HandlerTable[] = [appHandlers, cacheHandlers, datasetHandlers, tagHandlers, runHandlers, slurmHandlers, exploreHandlers]

export interface Service {
  handle(method: string, params: unknown): Promise<unknown>
}

export function createService(ctx: ServiceContext): Service {
  const table: HandlerTable = Object.assign({}, ...TABLES)
  // Jobs a closed app left on a Slurm cluster: watch them again.
  resumeWatchingIfNeeded(ctx)
  return {
    async handle(method, params) {
      // Own methods of the contract only: "constructor" or "__proto__" are not requests.
      if (!isApiMethod(method) || !Object.prototype.hasOwnProperty.call(table, method))
        throw new Error(typeof method === 'string' ? `Unknown request '${method.slice(0, 100)}'` : `A request needs a method name (a string), got ${show(method)}`)
      const handler = table[method] as Handler<ApiMethod>
      return handler(checkParams(method, params) as never, ctx)
    }
  }
}
