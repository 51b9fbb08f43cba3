import { eventHandlers, type EventHandler } from './consumer';
import type { LedgeEvent } from './event';
import { matchesAny } from './match';

/**
 * Which events some handler would deliver, decided at commit time, so that the queue carries only
 * those: a write nobody subscribed to sends no queue message (and in production bills no queue
 * operations), instead of leaving the consumer to find nothing to do.
 *
 * The subscriptions (each handler's `subscriptions.statement`: enabled functions and webhooks with
 * their `events`) are kept per isolate with the version they were read at. That version lives in
 * D1 (`event_subscriptions`, migration 0036) and triggers on `functions` and `webhooks` raise it on
 * any change, whatever the write path. A write that reads the version in its own batch (the
 * queue sink's probe, publish.ts `commitProbes`) knows the subscriptions as of its commit: a copy
 * at least that new decides without any I/O, an older one is read again first. A write that did
 * not read it queues everything, and the consumer decides as before.
 */
export const SUBSCRIPTIONS_VERSION_SQL = 'SELECT version FROM event_subscriptions WHERE id = 1';

/** The version read: the queue sink's probe (publish.ts), riding in a write's own batch. */
export function versionStatement(db: D1Database): D1PreparedStatement {
  return db.prepare(SUBSCRIPTIONS_VERSION_SQL);
}

/** The version in a probe's row (publish.ts `commitProbes`), if it holds one. */
export function versionOf(row: Record<string, unknown> | null | undefined): number | undefined {
  const v = row?.version;
  return typeof v === 'number' ? v : undefined;
}

interface Copy {
  version: number;
  rows: Map<EventHandler, readonly Record<string, unknown>[]>;
}

let copy: Copy | null = null;

async function readCopy(env: Env, handlers: readonly EventHandler[]): Promise<Copy> {
  const [head, ...subs] = await env.DB.batch<Record<string, unknown>>([versionStatement(env.DB), ...handlers.map((h) => h.subscriptions!.statement(env))]);
  return { version: versionOf(head.results[0]) ?? -1, rows: new Map(handlers.map((h, i) => [h, subs[i].results])) };
}

/**
 * The events of a write committed at subscriptions `version` that some handler wants. A copy newer
 * than the commit serves too: it is what the consumer would read when the message arrived. Should
 * the read fail, every event goes.
 */
export async function eventsWanted(env: Env, events: LedgeEvent[], version: number, registered: readonly EventHandler[] = eventHandlers()): Promise<LedgeEvent[]> {
  const concerned = (h: EventHandler, e: LedgeEvent) => !h.events || matchesAny(h.events, e.events);
  const listed = registered.filter((h) => h.subscriptions);
  if (!copy || copy.version < version || listed.some((h) => !copy!.rows.has(h))) {
    try {
      copy = await readCopy(env, listed);
    } catch (err) {
      console.error('[events] reading subscriptions failed; queueing every event', err);
      return events;
    }
  }
  const { rows } = copy;
  const picks = (h: EventHandler, e: LedgeEvent) => {
    try {
      return h.subscriptions!.pick(e, rows.get(h)!).length > 0;
    } catch {
      return true; // a subscription it cannot read: the consumer reports it
    }
  };
  return events.filter((e) => registered.some((h) => concerned(h, e) && (!h.subscriptions || picks(h, e))));
}

/** Tests: forget the isolate's copy. */
export function forgetSubscriptions(): void {
  copy = null;
}
