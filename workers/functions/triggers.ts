import type { EventHandler } from '../events/consumer';
import type { LedgeEvent } from '../events/event';
import { matchesAny } from '../events/match';
import { sha256Hex } from '../lib/crypto';
import { enqueueExecution } from './execute';
import { insertExecutionStatement } from './executions-store';
import { findFunction } from './store';

/**
 * Event triggers: the consumer's handler registry (events/consumer.ts) asks which functions an
 * event concerns — enabled, deployed, with a matching `events` pattern — and delivers to each on
 * its own receipt. A delivery writes the execution with an id derived from the event and the
 * function (a redelivered event finds it already there) and queues it; the executions queue runs
 * it once, records a throw as a failed execution and never retries it.
 */

/** Deterministic execution id for (source, function): 20 hex characters, like Appwrite's ids. */
export async function derivedExecutionId(source: string, functionId: string): Promise<string> {
  return (await sha256Hex(`${source}\u0000${functionId}`)).slice(0, 20);
}

/** A function is never triggered by events about its own executions (that would loop). */
const ownEvent = (functionId: string, names: readonly string[]) => names.some((n) => n.startsWith(`functions.${functionId}.`));

const subscribed = (env: Env) => env.DB.prepare("SELECT id, events FROM functions WHERE enabled = 1 AND deployment_id != '' AND events != '[]'");

/** The functions among `rows` (id, events) that `event` triggers. */
function pickFunctions(event: LedgeEvent, rows: readonly Record<string, unknown>[]): string[] {
  return rows.filter((f) => matchesAny(JSON.parse(String(f.events)) as string[], event.events) && !ownEvent(String(f.id), event.events)).map((f) => String(f.id));
}

export const functionTriggers: EventHandler = {
  name: 'functions',
  subscriptions: { statement: subscribed, pick: pickFunctions },
  async handle(event, env, functionId) {
    const fn = functionId ? await findFunction(env.DB, functionId) : null;
    if (!fn || !fn.enabled || !fn.deploymentId) return;
    const id = await derivedExecutionId(`event:${event.id}`, fn.id);
    const headers = { 'content-type': 'application/json' };
    await insertExecutionStatement(
      env.DB,
      {
        id,
        functionId: fn.id,
        deploymentId: fn.deploymentId,
        trigger: 'event',
        status: 'waiting',
        permissions: [],
        requestMethod: 'POST',
        requestPath: '/',
        requestHeaders: [{ name: 'content-type', value: 'application/json' }],
        scheduledAt: null,
        input: { body: JSON.stringify(event.payload), headers, userId: event.userId ?? '', sessionId: '', event: event.events[0] ?? '' },
      },
      true,
    );
    // Queued again on a redelivery: the consumer's claim runs it once.
    await enqueueExecution(env, id);
  },
};
