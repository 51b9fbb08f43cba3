import { retryDelaySeconds } from '../events/consumer';
import { publishAfterCommit, type PublishContext } from '../events/publish';
import { findDeployment } from './deployments-store';
import { executionEvent, outcomeOf, type ExecutionMessage } from './execute';
import { claimExecution, finishExecution } from './executions-store';
import { runFunction } from './run';
import { findFunction } from './store';

/**
 * The executions queue: async, scheduled, event and cron runs. Each message names an execution
 * row; claiming it (`waiting`/`scheduled` → `processing`, one conditional UPDATE) makes a
 * redelivered message run nothing, so delivery is effectively once. A function that fails is a
 * failed execution, recorded and acked — never retried. Only Ledge failing (D1, R2) retries the
 * message, with backoff, until the queue moves it to the dead-letter queue.
 */
export const EXECUTION_BATCH_CONCURRENCY = 10;

const isMessage = (body: unknown): body is ExecutionMessage =>
  !!body && typeof body === 'object' && typeof (body as ExecutionMessage).executionId === 'string';

/** Runs one queued execution; false when there was nothing (left) to run. */
export async function runQueuedExecution(ctx: PublishContext, executionId: string): Promise<boolean> {
  const env = ctx.env;
  const row = await claimExecution(env.DB, executionId);
  if (!row) return false;
  const fn = await findFunction(env.DB, row.functionId);
  const deployment = fn ? await findDeployment(env.DB, fn.id, row.deploymentId || fn.deploymentId) : null;
  const input = row.input ?? { body: '', headers: {}, userId: '', sessionId: '' };
  if (!fn || !deployment || deployment.status !== 'ready') {
    const why = !fn ? 'The function was deleted.' : 'The deployment is no longer available.';
    const done = await finishExecution(env.DB, row.id, { status: 'failed', responseStatusCode: 500, responseHeaders: [], logs: '', errors: why, duration: 0 });
    publishAfterCommit(ctx, [executionEvent(done, 'update')]);
    return true;
  }
  const result = await runFunction(env, {
    fn,
    deployment,
    executionId: row.id,
    trigger: row.trigger as 'http' | 'schedule' | 'event',
    method: row.requestMethod,
    path: row.requestPath,
    headers: input.headers,
    body: input.body,
    user: input.userId && input.sessionId ? { userId: input.userId, sessionId: input.sessionId } : null,
    event: input.event,
  });
  const done = await finishExecution(env.DB, row.id, outcomeOf(result));
  publishAfterCommit(ctx, [executionEvent(done, 'update')]);
  return true;
}

export async function consumeExecutions(batch: MessageBatch<unknown>, env: Env, ctx: PublishContext['executionCtx']): Promise<void> {
  const publish: PublishContext = { env, executionCtx: ctx };
  const messages = [...batch.messages];
  const work = async () => {
    for (let msg = messages.shift(); msg; msg = messages.shift()) {
      if (!isMessage(msg.body)) {
        // Never runnable: through the retries to the dead-letter queue without waiting.
        msg.retry();
        continue;
      }
      try {
        await runQueuedExecution(publish, msg.body.executionId);
        msg.ack();
      } catch (err) {
        console.error('[functions] queued execution failed to run', err);
        msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(EXECUTION_BATCH_CONCURRENCY, messages.length) }, work));
}
