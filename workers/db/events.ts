/** Queue bookkeeping: receipts of handled deliveries (0000, per handler since 0008) and dead letters. */
import { sqliteTable, text, integer, index, primaryKey } from 'drizzle-orm/sqlite-core';

/**
 * Queue deliveries already handled, so at-least-once delivery acts once: one row per handler
 * delivery (`<name>` or `<name>:<target>`) and, with handler '', one for the whole message.
 */
export const eventReceipts = sqliteTable(
  'event_receipts',
  {
    messageId: text('message_id').notNull(),
    handler: text('handler').notNull().default(''),
    event: text('event').notNull(),
    handledAt: text('handled_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.handler] }), index('event_receipts_handled_at').on(t.handledAt)],
);

/** Messages that exhausted their retries on the events queue. */
export const deadLetters = sqliteTable('dead_letters', {
  messageId: text('message_id').primaryKey(),
  body: text('body').notNull(),
  attempts: integer('attempts').notNull(),
  receivedAt: text('received_at').notNull(),
});


/**
 * One row (id 1) whose `version` moves whenever what an event handler's subscriptions read
 * changes: triggers on `functions` and `webhooks` (migration 0036) raise it. A write that reads it
 * in its own batch lets the queue sink decide, from a per-isolate copy of the subscriptions, that
 * no handler wants its events (workers/events/subscribers.ts).
 */
export const eventSubscriptions = sqliteTable('event_subscriptions', {
  id: integer('id').primaryKey(),
  version: integer('version').notNull().default(0),
});
