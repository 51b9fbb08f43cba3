import { env } from 'cloudflare:workers';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { asRoot, okJson } from '../../test/helpers';
import { consumeEvents, type EventHandler } from '../events/consumer';
import { makeEvent } from '../events/event';
import { uniqueId } from '../lib/ids';
import { consumeExecutions, runQueuedExecution } from './executions-queue';
import { runSchedules } from './schedules';
import { deployedFunction } from './testing/deploy';
import { derivedExecutionId, functionTriggers } from './triggers';

type Execution = { $id: string; status: string; trigger: string; logs: string; errors: string };

const LOGGER = `export default async ({ req, res, log }) => { log('event ' + req.headers['x-appwrite-event'] + ' ' + req.headers['x-appwrite-trigger'] + ' ' + (req.bodyText ? req.bodyJson.$id : '-')); if (req.bodyText.includes('explode')) throw new Error('exploded'); return res.empty(); };`;

async function executions(functionId: string) {
  return (await okJson<{ executions: Execution[] }>(await asRoot(`/v1/functions/${functionId}/executions`))).executions;
}

describe('event triggers', () => {
  it('runs a users.*.create function when a user is created, through the queues', async () => {
    const { functionId } = await deployedFunction({ 'index.js': LOGGER }, { events: ['users.*.create'] });
    const user = await okJson<{ $id: string }>(await asRoot('/v1/users', { method: 'POST', json: { userId: uniqueId(), email: `${uniqueId()}@example.com` } }), 201);
    await vi.waitFor(
      async () => {
        const runs = await executions(functionId);
        expect(runs).toHaveLength(1);
        expect(runs[0]).toMatchObject({ trigger: 'event', status: 'completed' });
        expect(runs[0].logs).toBe(`event users.${user.$id}.create event ${user.$id}`);
      },
      { timeout: 20_000, interval: 200 },
    );
  });

  it('runs a redelivered event once, records a throw as a failed execution and acks it', async () => {
    const { functionId } = await deployedFunction({ 'index.js': LOGGER }, { events: ['teams.*.create'] });
    const event = makeEvent(['teams.t1.create'], { $id: 'explode' }, []);
    // Two deliveries of the same event, as if the first receipt was lost.
    await functionTriggers.handle(event, env, functionId);
    await functionTriggers.handle(event, env, functionId);
    const id = await derivedExecutionId(`event:${event.id}`, functionId);
    const ctx = { env, executionCtx: createExecutionContext() };
    const ran = await Promise.all([runQueuedExecution(ctx, id), runQueuedExecution(ctx, id)]);
    expect(ran.filter(Boolean)).toHaveLength(1);
    await vi.waitFor(async () => expect((await executions(functionId)).filter((e) => e.status !== 'waiting' && e.status !== 'processing')).toHaveLength(1), { timeout: 10_000 });
    const [run] = await executions(functionId);
    expect(run).toMatchObject({ $id: id, status: 'failed' });
    expect(run.errors).toContain('exploded');

    // The queue message of a failed run is acked, not retried.
    const batch = createMessageBatch('ledge-executions', [{ id: 'again', timestamp: new Date(), attempts: 1, body: { executionId: id } }]);
    const qctx = createExecutionContext();
    await consumeExecutions(batch, env, qctx);
    expect(await getQueueResult(batch, qctx)).toMatchObject({ explicitAcks: ['again'], retryMessages: [] });
  });

  it('retries a failed delivery with backoff, and dead-letters what can never run', async () => {
    const failing: EventHandler = { name: 'always-down', handle: async () => Promise.reject(new Error('down')) };
    const batch = createMessageBatch('ledge-events', [{ id: 'm-down', timestamp: new Date(), attempts: 2, body: makeEvent(['x.y.create'], {}, []) }]);
    const ctx = createExecutionContext();
    const retry = vi.spyOn(batch.messages[0], 'retry');
    const errors = console.error;
    console.error = () => {};
    try {
      await consumeEvents(batch, env, [failing]);
    } finally {
      console.error = errors;
    }
    expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([{ msgId: 'm-down' }]);
    expect(retry).toHaveBeenCalledWith({ delaySeconds: 10 }); // second attempt: 10 s

    const marker = uniqueId();
    await env.EXECUTIONS.send({ bogus: marker });
    await vi.waitFor(
      async () => expect(await env.DB.prepare('SELECT attempts FROM dead_letters WHERE body LIKE ?').bind(`%${marker}%`).first()).not.toBeNull(),
      { timeout: 25_000, interval: 250 },
    );
  });
});

describe('schedules', () => {
  it('runs each cron slot once, even when the cron fires twice or late', async () => {
    const { functionId } = await deployedFunction({ 'index.js': LOGGER }, { schedule: '* * * * *' });
    const since = Date.parse((await okJson<{ $updatedAt: string }>(await asRoot(`/v1/functions/${functionId}`))).$updatedAt);
    const mine = async () => (await env.DB.prepare('SELECT slot FROM function_schedule_runs WHERE function_id = ? ORDER BY slot').bind(functionId).all<{ slot: string }>()).results.map((r) => r.slot);
    const minute = Math.ceil((since + 1) / 60_000) * 60_000;
    await runSchedules(env, minute - 1000);
    expect(await mine()).toEqual([]);
    await runSchedules(env, minute + 5000);
    await runSchedules(env, minute + 5000);
    await runSchedules(env, minute + 30_000);
    expect(await mine()).toHaveLength(1);
    await runSchedules(env, minute + 3 * 60_000 + 20_000); // late: three more slots, once each
    await runSchedules(env, minute + 3 * 60_000 + 20_000);
    expect(await mine()).toHaveLength(4);
    await vi.waitFor(
      async () => {
        const runs = await executions(functionId);
        expect(runs).toHaveLength(4);
        expect(runs.every((r) => r.trigger === 'schedule' && r.status === 'completed')).toBe(true);
        expect(runs[0].logs).toBe('event  schedule -');
      },
      { timeout: 20_000, interval: 200 },
    );
  });
});
