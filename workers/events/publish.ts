import type { LedgeEvent } from './event';
import { queueBatches } from './queue-batches';
import { eventsWanted, versionOf, versionStatement } from './subscribers';

/**
 * The one after-commit publisher. A route calls `publishAfterCommit(c, events)` once its D1 batch
 * has committed; every registered sink then gets the events off the response path
 * (`waitUntil`), each on its own, so one failing sink never holds back another or the response.
 * The queue sink (function triggers, webhooks: workers/events/consumer.ts) is always there;
 * realtime joins as a direct sink (RPC to the hub shards), not through the queue, whose batching
 * would add up to a second of latency.
 *
 * A sink may also `probe`: one read that a write adds to the end of its own batch
 * (`commitProbes`), so the sink learns, as of the commit and without a round trip of its own,
 * whether anyone wants the events at all (the queue: a function or webhook subscribed,
 * subscribers.ts; realtime: a socket that could hear them). A write that does not probe publishes
 * as before, and the sink finds out on its own path.
 */
export interface AfterCommitSink {
  /** Named in the log line when the sink fails. */
  name: string;
  probe?(env: Env): D1PreparedStatement;
  /** `probed`: the probe's first row, when the committing batch carried it. */
  deliver(env: Env, events: LedgeEvent[], probed?: Record<string, unknown> | null): Promise<void>;
}

/** The probes' results as of a commit, by sink name (`commitProbes`). */
export type CommitFacts = ReadonlyMap<string, Record<string, unknown> | null>;

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
  probe: (env) => versionStatement(env.DB),
  async deliver(env, events, probed) {
    const version = versionOf(probed);
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

/**
 * The sinks' probes, for a write to append to its batch (they only read, in the same transaction),
 * and how to read their results back from the batch's last results.
 */
export function commitProbes(env: Env): { statements: D1PreparedStatement[]; facts(results: readonly D1Result<Record<string, unknown>>[]): CommitFacts } {
  const probing = sinks.filter((s) => s.probe);
  return {
    statements: probing.map((s) => s.probe!(env)),
    facts: (results) => {
      const tail = results.slice(results.length - probing.length);
      return new Map(probing.map((s, i) => [s.name, tail[i]?.results[0] ?? null]));
    },
  };
}

/** Hands committed events to every sink, after the response; failures are logged, never thrown. */
export function publishAfterCommit(c: PublishContext, events: LedgeEvent[], facts?: CommitFacts): void {
  if (events.length === 0) return;
  for (const sink of sinks) {
    const probed = facts?.has(sink.name) ? facts.get(sink.name) : undefined;
    c.executionCtx.waitUntil(sink.deliver(c.env, events, probed).catch((err) => console.error(`[events] ${sink.name} sink failed`, err)));
  }
}
