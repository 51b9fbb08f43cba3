import type { Core } from './core';
import type { Execution, ListOf } from './models';

const E = '/functions/{functionId}/executions';

/** Function executions (`/v1/functions/{id}/executions`), with the Appwrite SDK's method names. */
export function createFunctions(core: Core) {
  const c = core.call;
  return {
    createExecution: (p: {
      functionId: string;
      body?: string;
      async?: boolean;
      path?: string;
      method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
      headers?: Record<string, string>;
      scheduledAt?: string;
    }): Promise<Execution> => c('POST', E, p),
    getExecution: (p: { functionId: string; executionId: string }): Promise<Execution> => c('GET', `${E}/{executionId}`, p),
    listExecutions: (p: { functionId: string; queries?: string[] }): Promise<ListOf<'executions', Execution>> => c('GET', E, p),
  };
}
