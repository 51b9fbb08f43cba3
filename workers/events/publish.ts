import type { LedgeEvent } from './event';
import { queueBatches } from './queue-batches';
import { eventsWanted } from './subscribers';

/**
 * The one after-commit publisher. A route calls `publishAfterCommit(c, events)` once its D1 batch
 * has committed; every registered sink then gets the events off the response path
 * (`waitUntil`), each on its own, so one failing sink never holds back another or the response.
 * The queue sink (function triggers, webhooks: workers/events/consumer.ts) is always there, and
 * skips events no subscription wants when the write read the subscriptions version (subscribers.ts);
 * realtime joins as a direct sink (RPC to the hub shards), not through the queue, whose batching
 * would add up to a second of latency.
 */
export interface AfterCommitSink {
  /** Named in the log line when the sink fails. */
  name: string;
  deliver(env: Env, events: LedgeEvent[], commit?: CommitFacts): Promise<void>;
}

/** What the committing batch also read, for sinks to use. */
export interface CommitFacts {
  /** `event_subscriptions.version` as of the commit (events/subscribers.ts `versionStatement`). */
  subscriptionsVersion?: number;
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

/** With the commit's subscriptions version, only what a function or webhook wants travels (subscribers.ts). */
export const queueSink: AfterCommitSink = {
  name: 'queue',
  async deliver(env, events, commit) {
    const version = commit?.subscriptionsVersion;
    await publishEvents(env, version === undefined ? events : await eventsWanted(env, events, version));
  },
};

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
export function publishAfterCommit(c: PublishContext, events: LedgeEvent[], commit?: CommitFacts): void {
  if (events.length === 0) return;
  for (const sink of sinks) {
    c.executionCtx.waitUntil(sink.deliver(c.env, events, commit).catch((err) => console.error(`[events] ${sink.name} sink failed`, err)));
  }
}
