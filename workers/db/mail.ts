/** The mail outbox (0000). */
import { sqliteTable, text, integer, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Mail kept locally (MAIL_PROVIDER=outbox), and a record of what real providers were sent. */
export const outbox = sqliteTable(
  'outbox',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull().default(''),
    kind: text('kind').notNull().default(''),
    provider: text('provider').notNull(),
    status: text('status').notNull(),
    error: text('error').notNull().default(''),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('outbox_id').on(t.id), index('outbox_to').on(t.to, t.seq)],
);
