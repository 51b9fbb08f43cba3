import type { LedgeEvent } from './event';
import { queueBatches } from './queue-batches';

/**
 * The one after-commit publisher. A route calls `publishAfterCommit(c, events)` once its D1 batch
 * has committed; every registered sink then gets the events off the response path
 * (`waitUntil`), each on its own, so one failing sink never holds back another or the response.
 * The queue sink (function triggers, webhooks: workers/events/consumer.ts) is always there;
 * realtime joins as a direct sink (RPC to the hub shards), not through the queue, whose batching
 * would add up to a second of latency.
 */
export interface AfterCommitSink {
  /** Named in the log line when the sink fails. */
  name: string;
  deliver(env: Env, events: LedgeEvent[]): Promise<void>;
}

/** What publishing needs from a request: Hono's `Context` fits, and so do a DO's or the consumer's own. */
export interface PublishContext {
  env: Env;
  executionCtx: { waitUntil(promise: Promise<unknown>): void };
}

/**
 * Queues events for the consumer, in batches within the Queue's byte limits; a payload too large
 * for one message is sent without its body (consumers refetch by id) rather than failing the
 * write (queue-batches.ts).
 */
export async function publishEvents(env: Env, events: LedgeEvent[]): Promise<void> {
  for (const batch of queueBatches(events)) await env.EVENTS.sendBatch(batch.map(({ body, contentType }) => ({ body, contentType })));
}

export const queueSink: AfterCommitSink = { name: 'queue', deliver: publishEvents };

const sinks: AfterCommitSink[] = [queueSink];

/**
 * Adds a sink (wired once, in workers/index.ts); a second sink of the same name replaces the
 * first. Returns its removal, for tests.
 */
export function registerSink(sink: AfterCommitSink): () => void {
  const at = sinks.findIndex((s) => s.name === sink.name);
  if (at >= 0) sinks[at] = sink;
  else sinks.push(sink);
  return () => {
    const i = sinks.indexOf(sink);
    if (i >= 0) sinks.splice(i, 1);
  };
}

export function afterCommitSinks(): readonly AfterCommitSink[] {
  return sinks;
}

/** Hands committed events to every sink, after the response; failures are logged, never thrown. */
export function publishAfterCommit(c: PublishContext, events: LedgeEvent[]): void {
  if (events.length === 0) return;
  for (const sink of sinks) {
    c.executionCtx.waitUntil(sink.deliver(c.env, events).catch((err) => console.error(`[events] ${sink.name} sink failed`, err)));
  }
}
