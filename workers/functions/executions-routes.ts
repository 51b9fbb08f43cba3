import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { publishAfterCommit } from '../events/publish';
import { body, query } from '../http/body';
import { batchWithPrincipal } from '../identity/batch';
import { clientIp } from '../http/request';
import { ApiError } from '../lib/errors';
import { uniqueId } from '../lib/ids';
import { parseDate, toAppwriteDate } from '../lib/time';
import { boolParam, listParams } from '../lib/validator';
import { requireScope } from '../middleware/principal';
import { assertCanExecute, assertRunnable, decodeRunTarget, enqueueOrFail, executeNow, executionEvent, MAX_QUEUE_DELAY_SECONDS, runTargetStatements } from './execute';
import { SYNC_TIMEOUT_SECONDS } from './run';
import { canReadExecution, executionModel, getExecution, insertExecution, keptHeaders, listExecutions } from './executions-store';
import { getFunction, type FunctionRow } from './store';

/**
 * Executions of `/v1/functions/{functionId}`, for API keys and for users with `execute`
 * permission: create (synchronous, asynchronous or scheduled), list, get, delete. The model follows
 * the caller's X-Appwrite-Response-Format (workers/lib/response-format.ts).
 */
type C = Context<AppEnv>;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const;

const createParams = z.object({
  body: z.string().max(10_485_760).optional(),
  async: boolParam.optional(),
  path: z.string().max(2048).optional(),
  method: z.enum(METHODS).optional(),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  scheduledAt: z.string().max(100).nullish(),
});

/** An async body waits in D1 until it runs; a D1 row holds 2 MB. */
export const MAX_ASYNC_BODY = 1_000_000;

/** The create route resolves its caller inside its first D1 batch (app.ts `DEFERRED_ROUTES`). */
export const DEFERRED_EXECUTION_CREATE = [{ method: 'POST', path: /^\/v1\/functions\/[^/]+\/executions\/?$/ }];

/** A disabled function is hidden from everyone but API keys, as in Appwrite. */
function assertVisible(c: C, fn: FunctionRow | null): FunctionRow {
  if (!fn || (!fn.enabled && c.get('principal').kind !== 'key')) throw new ApiError('function_not_found');
  return fn;
}

async function visibleFunction(c: C): Promise<FunctionRow> {
  return assertVisible(c, await getFunction(c.env.DB, c.req.param('functionId')!));
}

function scheduleTime(value: string): number {
  const at = parseDate(value);
  // Appwrite: a valid date at least a minute ahead, minute precision.
  if (at === null || at < Date.now() + 60_000) throw new ApiError('general_bad_request', 'Execution schedule must be a valid date, and at least 1 minute from now');
  return Math.floor(at / 60_000) * 60_000;
}

export const executionRoutes = new Hono<AppEnv>()
  .post('/:functionId/executions', requireScope('executions.write'), body(createParams), async (c) => {
    const input = c.req.valid('json');
    // Deferred (app.ts): the caller's check and the function's reads share one round trip.
    const { principal, results } = await batchWithPrincipal(c, runTargetStatements(c.env.DB, c.req.param('functionId')));
    const target = decodeRunTarget(results);
    const fn = assertVisible(c, target.fn);
    const deployment = assertRunnable(target.deployment);
    assertCanExecute(principal, fn);
    const isAsync = input.async ?? false;
    const scheduledAt = input.scheduledAt ? scheduleTime(input.scheduledAt) : null;
    if (scheduledAt !== null && !isAsync) {
      throw new ApiError('general_bad_request', 'Scheduled executions must run asynchronously. Set scheduledAt to a future date, or set async to true.');
    }
    const headers = Object.fromEntries(Object.entries(input.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const user = principal.kind === 'user' ? { userId: principal.userId, sessionId: principal.sessionId } : null;
    const permissions = user ? [`read("user:${user.userId}")`] : [];
    const common = { method: input.method ?? 'POST', path: input.path ?? '/', clientIp: clientIp(c.req.raw.headers) };
    const format = c.get('responseFormat');

    if (!isAsync) {
      const { row, result } = await executeNow(c, {
        fn, deployment, trigger: 'http', ...common, headers, body: input.body ?? '', user, permissions, vars: target.vars,
        limitSeconds: SYNC_TIMEOUT_SECONDS,
      });
      const responseHeaders = [...Object.entries(result.headers).map(([name, value]) => ({ name, value })), { name: 'x-appwrite-execution-id', value: row.id }];
      const responseBody = new TextDecoder().decode(result.body);
      return c.json(executionModel(row, { format, principal, responseBody, responseHeaders }), 201);
    }

    if ((input.body ?? '').length > MAX_ASYNC_BODY) {
      throw new ApiError('general_argument_invalid', `Invalid \`body\` param: an asynchronous execution's body is limited to ${MAX_ASYNC_BODY} bytes in Ledge.`);
    }
    const soon = scheduledAt === null || scheduledAt - Date.now() <= MAX_QUEUE_DELAY_SECONDS * 1000;
    const row = await insertExecution(c.env.DB, {
      id: uniqueId(),
      functionId: fn.id,
      deploymentId: deployment.id,
      trigger: scheduledAt === null ? 'http' : 'schedule',
      status: scheduledAt === null ? 'waiting' : 'scheduled',
      permissions,
      requestMethod: common.method,
      requestPath: common.path,
      requestHeaders: keptHeaders({ ...headers, 'x-appwrite-client-ip': common.clientIp }, 'request'),
      scheduledAt: scheduledAt === null ? null : toAppwriteDate(scheduledAt),
      queued: soon,
      input: { body: input.body ?? '', headers, userId: user?.userId ?? '', sessionId: user?.sessionId ?? '' },
    });
    if (soon && !(await enqueueOrFail(c.env, row.id, scheduledAt ?? undefined))) {
      throw new ApiError('general_server_error', 'The execution could not be queued; it is recorded as failed. Try again.');
    }
    publishAfterCommit(c, [executionEvent(row, 'create')]);
    return c.json(executionModel(row, { format, principal }), 202);
  })
  .get('/:functionId/executions', requireScope('executions.read'), query(listParams), async (c) => {
    const fn = await visibleFunction(c);
    return c.json(await listExecutions(c.env.DB, fn.id, c.get('principal'), c.req.valid('query'), c.get('responseFormat')));
  })
  .get('/:functionId/executions/:executionId', requireScope('executions.read'), async (c) => {
    const fn = await visibleFunction(c);
    const row = await getExecution(c.env.DB, fn.id, c.req.param('executionId'));
    if (!canReadExecution(c.get('principal'), row)) throw new ApiError('execution_not_found');
    return c.json(executionModel(row, { format: c.get('responseFormat'), principal: c.get('principal') }));
  })
  .delete('/:functionId/executions/:executionId', requireScope('functions.write'), async (c) => {
    const fn = await getFunction(c.env.DB, c.req.param('functionId'));
    const row = await getExecution(c.env.DB, fn.id, c.req.param('executionId'));
    if (row.status === 'processing' || row.status === 'waiting') throw new ApiError('execution_in_progress');
    await c.env.DB.prepare('DELETE FROM executions WHERE id = ?').bind(row.id).run();
    return c.body(null, 204);
  });
