import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { toAppwriteDate } from '../lib/time';
import { enqueueOrFail } from './execute';
import { getExecution, insertExecutionD1 } from './executions-store';
import { runSchedules, STALE_WAITING_MS, STALE_WAITING_REASON } from './schedules';
import { deployedFunction } from './testing/deploy';
import { uniqueId } from '../lib/ids';

/** Ledge's bindings with an executions queue that refuses every message. */
const queueDown = (): Env => ({ ...env, EXECUTIONS: { send: async () => Promise.reject(new Error('queue down')), sendBatch: async () => Promise.reject(new Error('queue down')) } as unknown as Queue });

const quietly = async <T>(run: () => Promise<T>): Promise<T> => {
  const errors = console.error;
  console.error = () => {};
  try {
    return await run();
  } finally {
    console.error = errors;
  }
};

async function waitingRow(functionId: string, extra: Partial<Parameters<typeof insertExecutionD1>[1]> = {}) {
  const id = uniqueId();
  await insertExecutionD1(env.DB, {
    id, functionId, deploymentId: '', trigger: 'http', status: 'waiting', permissions: [], requestMethod: 'POST', requestPath: '/',
    requestHeaders: [], scheduledAt: null, input: { body: '', headers: {}, userId: '', sessionId: '' }, ...extra,
  }).run();
  return id;
}

describe('executions the queue never takes', () => {
  it('a cron slot whose message the queue refuses is a failed execution with the reason, not waiting forever', async () => {
    const { functionId } = await deployedFunction({ 'index.js': 'export default async ({ res }) => res.empty();' }, { schedule: '* * * * *' });
    const since = Date.parse((await env.DB.prepare('SELECT schedule_since AS s FROM functions WHERE id = ?').bind(functionId).first<{ s: string }>())!.s);
    const minute = Math.ceil((since + 1) / 60_000) * 60_000;
    const result = await quietly(() => runSchedules(queueDown(), minute + 5000));
    expect(result.slots).toBe(0);
    const { results } = await env.DB.prepare('SELECT id FROM executions WHERE function_id = ?').bind(functionId).all<{ id: string }>();
    expect(results).toHaveLength(1);
    const row = await getExecution(env.DB, functionId, results[0].id);
    expect(row).toMatchObject({ status: 'failed', trigger: 'schedule', responseStatusCode: 500, input: null });
    expect(row.errors).toBe('The execution could not be queued: queue down');
    // The slot stays claimed: the next tick does not run it a second time.
    await runSchedules(env, minute + 6000);
    expect((await env.DB.prepare('SELECT COUNT(*) AS n FROM executions WHERE function_id = ?').bind(functionId).first<{ n: number }>())!.n).toBe(1);
  });

  it('an async execution whose message is refused is failed; a scheduled one stays scheduled for the next tick', async () => {
    const { functionId } = await deployedFunction({ 'index.js': 'export default async ({ res }) => res.empty();' });
    const id = await waitingRow(functionId);
    expect(await quietly(() => enqueueOrFail(queueDown(), id))).toBe(false);
    expect(await getExecution(env.DB, functionId, id)).toMatchObject({ status: 'failed', errors: 'The execution could not be queued: queue down' });

    const at = Date.now() + 2 * 3_600_000;
    const later = await waitingRow(functionId, { status: 'scheduled', trigger: 'schedule', scheduledAt: toAppwriteDate(at) });
    await quietly(() => runSchedules(queueDown(), Date.now()));
    expect(await getExecution(env.DB, functionId, later)).toMatchObject({ status: 'scheduled', queued: false });
    await runSchedules(env, Date.now());
    expect(await getExecution(env.DB, functionId, later)).toMatchObject({ status: 'scheduled', queued: true });
  });

  it('a waiting execution whose message was lost or dead-lettered is failed by the cron after an hour', async () => {
    const { functionId } = await deployedFunction({ 'index.js': 'export default async ({ res }) => res.empty();' });
    const lost = await waitingRow(functionId);
    const fresh = await waitingRow(functionId);
    await env.DB.prepare('UPDATE executions SET updated_at = ? WHERE id = ?').bind(toAppwriteDate(Date.now() - STALE_WAITING_MS - 60_000), lost).run();
    const { stale } = await runSchedules(env, Date.now());
    expect(stale).toBeGreaterThanOrEqual(1);
    expect(await getExecution(env.DB, functionId, lost)).toMatchObject({ status: 'failed', errors: STALE_WAITING_REASON, responseStatusCode: 500 });
    expect(await getExecution(env.DB, functionId, fresh)).toMatchObject({ status: 'waiting' });
  });
});
