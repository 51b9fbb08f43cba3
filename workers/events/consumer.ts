import { isLedgeEvent, type LedgeEvent } from './publish';
import { nowDate } from '../lib/time';

/**
 * Something that reacts to events (function triggers, webhooks). Handlers must tolerate seeing an
 * event twice only across a crash between handling and recording the receipt.
 */
export type EventHandler = (event: LedgeEvent, env: Env) => Promise<void>;

/** Handlers registered by domains (see workers/index.ts). */
export const eventHandlers: EventHandler[] = [];

/**
 * The EVENTS consumer: each message is acked or retried on its own. A message whose id was already
 * handled is acked without running handlers again (queues deliver at least once). A message that is
 * not a Ledge event, or whose handlers keep failing, is retried until the queue moves it to the DLQ.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const msg of batch.messages) {
    const event = msg.body;
    if (!isLedgeEvent(event)) {
      msg.retry();
      continue;
    }
    try {
      const seen = await env.DB.prepare('SELECT 1 FROM event_receipts WHERE message_id = ?').bind(event.id).first();
      if (!seen) {
        for (const handle of eventHandlers) await handle(event, env);
        await env.DB.prepare('INSERT OR IGNORE INTO event_receipts (message_id, event, handled_at) VALUES (?, ?, ?)')
          .bind(event.id, event.events[0] ?? '', nowDate())
          .run();
      }
      msg.ack();
    } catch {
      msg.retry();
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
