import { isLedgeEvent, type LedgeEvent } from './event';
import { matchesAny } from './match';
import { nowDate } from '../lib/time';

/**
 * Something that reacts to queued events: function triggers, webhooks. Registered once, in
 * workers/index.ts. Each delivery (the handler, or one of its `targets`) gets its own receipt,
 * so a retried message re-runs only what failed: a failing webhook never re-runs a function that
 * already ran. A delivery may still run twice across a crash between running and its receipt.
 */
export interface EventHandler {
  /** Stable: receipts are keyed `<name>` or `<name>:<target>`. */
  name: string;
  /** Appwrite patterns (`users.*.create`, see match.ts) the handler wants; omitted: every event. */
  events?: readonly string[];
  /**
   * The independent deliveries this event asks for — one per subscribed function or webhook —
   * each with its own receipt. Omitted: one delivery, `handle(event, env)`.
   */
  targets?(event: LedgeEvent, env: Env): Promise<string[]>;
  /**
   * `targets` from one read per message batch instead of one per event: `statement` selects the
   * subscriptions (read in the consumer's first round trip, beside the batch's receipts), `pick`
   * names those an event reaches. Takes precedence over `targets`. Whatever `statement` reads must
   * raise `event_subscriptions.version` when it changes (triggers, migration 0036): writes skip the
   * queue for events no subscription wants, judged from a copy kept until that version moves
   * (subscribers.ts).
   */
  subscriptions?: {
    statement(env: Env): D1PreparedStatement;
    pick(event: LedgeEvent, rows: readonly Record<string, unknown>[]): string[];
  };
  handle(event: LedgeEvent, env: Env, target?: string): Promise<void>;
}

/** The receipt that marks a whole message handled (every delivery done), written last. */
export const MESSAGE_RECEIPT = '';

const handlers: EventHandler[] = [];

/** Adds a handler to the consumer's registry; names must be unique, since receipts carry them. */
export function registerEventHandler(handler: EventHandler): void {
  if (handlers.some((h) => h.name === handler.name)) throw new Error(`Event handler ${handler.name} is already registered`);
  handlers.push(handler);
}

export function eventHandlers(): readonly EventHandler[] {
  return handlers;
}

/** The deliveries `event` asks of `handler` (its subscriptions read now when it has them): `[undefined]` for one untargeted. */
export async function handlerTargets(handler: EventHandler, event: LedgeEvent, env: Env): Promise<(string | undefined)[]> {
  if (handler.subscriptions) return handler.subscriptions.pick(event, (await handler.subscriptions.statement(env).all<Record<string, unknown>>()).results);
  return handler.targets ? handler.targets(event, env) : [undefined];
}

function receiptStatement(env: Env, event: LedgeEvent, key: string) {
  return env.DB.prepare('INSERT OR IGNORE INTO event_receipts (message_id, handler, event, handled_at) VALUES (?, ?, ?, ?)')
    .bind(event.id, key, event.events[0] ?? '', nowDate());
}

/**
 * What one message batch reads once, in ONE round trip: the receipts of its events and every
 * handler's subscriptions (instead of a receipt read and a subscription read per event).
 */
interface BatchState {
  done: Map<string, Set<string>>;
  subscriptions: Map<EventHandler, readonly Record<string, unknown>[]>;
}

async function loadBatchState(env: Env, events: LedgeEvent[], registered: readonly EventHandler[]): Promise<BatchState> {
  const withSubs = registered.filter((h) => h.subscriptions);
  const results = await env.DB.batch<Record<string, unknown>>([
    env.DB.prepare('SELECT message_id, handler FROM event_receipts WHERE message_id IN (SELECT value FROM json_each(?))').bind(JSON.stringify(events.map((e) => e.id))),
    ...withSubs.map((h) => h.subscriptions!.statement(env)),
  ]);
  const done = new Map<string, Set<string>>(events.map((e) => [e.id, new Set<string>()]));
  for (const r of results[0].results) done.get(String(r.message_id))?.add(String(r.handler));
  return { done, subscriptions: new Map(withSubs.map((h, i) => [h, results[i + 1].results])) };
}

/**
 * Runs every delivery of `event` not yet receipted (each target's receipt written as soon as it
 * ran); true when all of them are done, and the message's own receipt may be written.
 */
async function deliver(event: LedgeEvent, env: Env, registered: readonly EventHandler[], state: BatchState): Promise<boolean> {
  const done = state.done.get(event.id)!;
  if (done.has(MESSAGE_RECEIPT)) return true;
  let complete = true;
  for (const handler of registered) {
    if (handler.events && !matchesAny(handler.events, event.events)) continue;
    let targets: (string | undefined)[];
    try {
      const subs = handler.subscriptions && state.subscriptions.get(handler);
      targets = subs ? handler.subscriptions!.pick(event, subs) : await handlerTargets(handler, event, env);
    } catch (err) {
      console.error(`[events] ${handler.name}: targets failed`, err);
      complete = false;
      continue;
    }
    for (const target of targets) {
      const key = target === undefined ? handler.name : `${handler.name}:${target}`;
      if (done.has(key)) continue;
      try {
        await handler.handle(event, env, target);
        await receiptStatement(env, event, key).run();
        done.add(key);
      } catch (err) {
        console.error(`[events] ${key} failed`, err);
        complete = false;
      }
    }
  }
  return complete;
}

/** Backoff before a failed delivery is tried again: 5 s, 10 s, 20 s, … at most 5 minutes. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 5 * 2 ** Math.max(0, attempts - 1));

/**
 * The EVENTS consumer: each message is acked or retried on its own (queues deliver at least once).
 * A message already fully handled is acked without running anything again. A message that is not
 * a Ledge event, or one of whose deliveries keeps failing, is retried until the queue moves it to
 * the DLQ.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env, registered: readonly EventHandler[] = handlers): Promise<void> {
  const retry = (msg: Message<unknown>) => msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
  const valid: { msg: Message<unknown>; event: LedgeEvent }[] = [];
  for (const msg of batch.messages) {
    if (isLedgeEvent(msg.body)) valid.push({ msg, event: msg.body });
    else msg.retry();
  }
  if (valid.length === 0) return;
  let state: BatchState;
  try {
    state = await loadBatchState(env, valid.map((v) => v.event), registered);
  } catch (err) {
    console.error('[events] reading the batch state failed', err);
    for (const { msg } of valid) retry(msg);
    return;
  }
  // Messages whose every delivery is done: their receipts go in one write, then they are acked.
  const finished: { msg: Message<unknown>; event: LedgeEvent; receipted: boolean }[] = [];
  for (const { msg, event } of valid) {
    try {
      const done = state.done.get(event.id)!;
      const receipted = done.has(MESSAGE_RECEIPT);
      if (!(await deliver(event, env, registered, state))) retry(msg);
      else {
        finished.push({ msg, event, receipted });
        done.add(MESSAGE_RECEIPT); // the same event twice in one batch (at-least-once delivery) runs once
      }
    } catch {
      retry(msg);
    }
  }
  const toWrite = finished.filter((f) => !f.receipted);
  try {
    if (toWrite.length) await env.DB.batch(toWrite.map((f) => receiptStatement(env, f.event, MESSAGE_RECEIPT)));
    for (const { msg } of finished) msg.ack();
  } catch (err) {
    console.error('[events] writing message receipts failed', err);
    for (const { msg, receipted } of finished) (receipted ? msg.ack() : retry(msg));
  }
}

/** The dead-letter consumer keeps what could not be delivered, for an operator to inspect. */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const stmt = env.DB.prepare(
    'INSERT OR IGNORE INTO dead_letters (message_id, body, attempts, received_at) VALUES (?, ?, ?, ?)',
  );
  await env.DB.batch(
    batch.messages.map((m) => stmt.bind(m.id, JSON.stringify(m.body ?? null), m.attempts, nowDate())),
  );
  batch.ackAll();
}
