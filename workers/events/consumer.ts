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

async function receiptsOf(env: Env, messageId: string): Promise<Set<string>> {
  const { results } = await env.DB.prepare('SELECT handler FROM event_receipts WHERE message_id = ?').bind(messageId).all<{ handler: string }>();
  return new Set(results.map((r) => r.handler));
}

function recordReceipt(env: Env, event: LedgeEvent, key: string) {
  return env.DB.prepare('INSERT OR IGNORE INTO event_receipts (message_id, handler, event, handled_at) VALUES (?, ?, ?, ?)')
    .bind(event.id, key, event.events[0] ?? '', nowDate())
    .run();
}

/** Runs every delivery of `event` not yet receipted; true when all of them are done. */
async function deliver(event: LedgeEvent, env: Env, registered: readonly EventHandler[]): Promise<boolean> {
  const done = await receiptsOf(env, event.id);
  if (done.has(MESSAGE_RECEIPT)) return true;
  let complete = true;
  for (const handler of registered) {
    if (handler.events && !matchesAny(handler.events, event.events)) continue;
    let targets: (string | undefined)[];
    try {
      targets = handler.targets ? await handler.targets(event, env) : [undefined];
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
        await recordReceipt(env, event, key);
      } catch (err) {
        console.error(`[events] ${key} failed`, err);
        complete = false;
      }
    }
  }
  if (complete) await recordReceipt(env, event, MESSAGE_RECEIPT);
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
  for (const msg of batch.messages) {
    const event = msg.body;
    if (!isLedgeEvent(event)) {
      msg.retry();
      continue;
    }
    try {
      if (await deliver(event, env, registered)) msg.ack();
      else msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
    } catch {
      msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
    }
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
