import { deployments, functions } from '../db/schema';
import { makeEvent } from '../events/event';
import { publishAfterCommit, type PublishContext } from '../events/publish';
import { rawReader } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { uniqueId } from '../lib/ids';
import { canAccess } from '../lib/permissions-container';
import type { Principal } from '../lib/principal';
import { findDeployment, type DeploymentRow } from './deployments-store';
import { executionModel, failWaiting, insertExecution, keptHeaders, type ExecutionRow } from './executions-store';
import { runFunction, type RunInput, type RunResult } from './run';
import type { FunctionRow } from './store';
import { variableEnv } from './variables';

/**
 * Starting executions: the checks Appwrite makes (enabled, a ready deployment, `execute`
 * permission), the execution record, and then either the run itself (synchronous) or a message on
 * the executions queue (asynchronous, scheduled, event and cron runs: executions-queue.ts).
 */

/** A queue message's delay is at most a day; later scheduled executions wait for the cron. */
export const MAX_QUEUE_DELAY_SECONDS = 86_400;

export interface ExecutionMessage {
  executionId: string;
}

/** `execute` as a container grant: Appwrite's role list, keys bypassing it. */
export function canExecute(principal: Principal, fn: FunctionRow): boolean {
  return canAccess(principal, { permissions: fn.execute.map((role) => ({ action: 'create' as const, role })), itemSecurity: false }, [], 'create');
}

export function assertCanExecute(principal: Principal, fn: FunctionRow): void {
  if (canExecute(principal, fn)) return;
  throw new ApiError(
    'user_unauthorized',
    fn.execute.length === 0
      ? "No permissions provided for action 'execute'"
      : `Missing "execute" permission for role "${fn.execute[fn.execute.length - 1]}". Only "${JSON.stringify(principal.roles)}" scopes are allowed and "${JSON.stringify(fn.execute)}" was given.`,
  );
}

const functionReader = rawReader(functions);
const deploymentReader = rawReader(deployments);

/**
 * What an execution request needs, as statements for ONE D1 round trip: the function, its active
 * deployment and its variables. The execution routes are deferred (app.ts), so the caller's
 * session check rides in the same batch (identity/batch.ts).
 */
export function runTargetStatements(db: D1Database, functionId: string): D1PreparedStatement[] {
  return [
    db.prepare(`${functionReader.select} WHERE id = ?`).bind(functionId),
    db.prepare(`${deploymentReader.select} WHERE id = (SELECT deployment_id FROM functions WHERE id = ?) AND function_id = ?`).bind(functionId, functionId),
    // The project's variables (function id '') and the function's own (variables.ts).
    db.prepare("SELECT key, value, function_id AS functionId FROM function_variables WHERE function_id IN ('', ?)").bind(functionId),
  ];
}

export function decodeRunTarget([fns, deps, vars]: D1Result[]) {
  const fn = fns.results[0] ? functionReader.decode(fns.results[0] as Record<string, unknown>) : null;
  const deployment = deps.results[0] ? deploymentReader.decode(deps.results[0] as Record<string, unknown>) : null;
  return { fn, deployment, vars: variableEnv(vars.results as { key: string; value: string; functionId: string }[]) };
}

/** The function, its active deployment and its variables in one round trip (no caller check). */
export async function loadRunTarget(db: D1Database, functionId: string) {
  return decodeRunTarget(await db.batch(runTargetStatements(db, functionId)));
}

/** The function's deployment, ready to run (Appwrite's errors otherwise). */
export function assertRunnable(deployment: DeploymentRow | null): DeploymentRow {
  if (!deployment) throw new ApiError('deployment_not_found', 'Deployment not found. Create a deployment before trying to execute a function');
  if (deployment.status === 'failed') throw new ApiError('build_failed');
  if (deployment.status !== 'ready') throw new ApiError('build_not_ready');
  return deployment;
}

/** The function's active deployment, ready to run (Appwrite's errors otherwise). */
export async function runnableDeployment(db: D1Database, fn: FunctionRow): Promise<DeploymentRow> {
  return assertRunnable(fn.deploymentId ? await findDeployment(db, fn.id, fn.deploymentId) : null);
}

export function executionEvent(row: ExecutionRow, action: 'create' | 'update') {
  const roles = row.permissions.map((p) => /^read\("(.+)"\)$/.exec(p)?.[1]).filter((r): r is string => !!r);
  const model = executionModel(row, { format: '2.0.0', principal: { kind: 'guest', roles: [], scopes: new Set() } });
  return makeEvent([`functions.${row.functionId}.executions.${row.id}.${action}`], model, roles);
}

export function outcomeOf(result: RunResult) {
  return {
    status: result.status,
    responseStatusCode: result.statusCode,
    responseHeaders: keptHeaders(result.headers, 'response'),
    logs: result.logs,
    errors: result.errors,
    duration: result.duration,
  };
}

/**
 * Runs now, then records the execution once, complete, as Appwrite does for synchronous runs: one
 * D1 write on the response path instead of a `processing` row and its update around the run.
 * Its one event is `create`, with the outcome.
 */
export async function executeNow(ctx: PublishContext, input: Omit<RunInput, 'executionId'> & { permissions: string[] }): Promise<{ row: ExecutionRow; result: RunResult }> {
  const executionId = uniqueId();
  const result = await runFunction(ctx.env, { ...input, executionId });
  const row = await insertExecution(ctx.env.DB, {
    id: executionId,
    functionId: input.fn.id,
    deploymentId: input.deployment.id,
    trigger: input.trigger,
    permissions: input.permissions,
    requestMethod: input.method,
    requestPath: input.path,
    requestHeaders: keptHeaders({ ...input.headers, 'x-appwrite-client-ip': input.clientIp ?? '' }, 'request'),
    scheduledAt: null,
    input: null,
    ...outcomeOf(result),
  });
  publishAfterCommit(ctx, [executionEvent(row, 'create')]);
  return { row, result };
}

/** Hands an execution to the queue, at most a day ahead. */
export async function enqueueExecution(env: Env, executionId: string, runAt?: number): Promise<void> {
  const delay = runAt ? Math.max(0, Math.ceil((runAt - Date.now()) / 1000)) : 0;
  await env.EXECUTIONS.send({ executionId } satisfies ExecutionMessage, { contentType: 'json', delaySeconds: Math.min(delay, MAX_QUEUE_DELAY_SECONDS) });
}

/**
 * `enqueueExecution`, and when the queue refuses the message, the execution is marked failed with
 * the reason rather than left `waiting` for a message that will never come. False then.
 */
export async function enqueueOrFail(env: Env, executionId: string, runAt?: number): Promise<boolean> {
  try {
    await enqueueExecution(env, executionId, runAt);
    return true;
  } catch (err) {
    const reason = `The execution could not be queued: ${(err as Error).message ?? String(err)}`;
    console.error(`[functions] ${executionId}: ${reason}`);
    await failWaiting(env.DB, executionId, reason);
    return false;
  }
}
