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

