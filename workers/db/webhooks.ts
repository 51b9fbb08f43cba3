/** Project webhooks (0016). */
import { sqliteTable, text, integer, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, json } from './columns';

export const webhooks = sqliteTable(
  'webhooks',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    name: text('name').notNull(),
    url: text('url').notNull(),
    events: json<string[]>('events').notNull().default([]),
    enabled: bool('enabled').notNull().default(true),
    tls: bool('tls').notNull().default(true),
    authUsername: text('auth_username').notNull().default(''),
    authPassword: text('auth_password').notNull().default(''),
    /** HMAC-SHA1 key of X-Appwrite-Webhook-Signature; shown on create and rotation only. */
    signatureKey: text('signature_key').notNull(),
    /** The last failure, as Appwrite words it. */
    logs: text('logs').notNull().default(''),
    /** Consecutive failed deliveries; too many disable the webhook. */
    attempts: integer('attempts').notNull().default(0),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('webhooks_id').on(t.id)],
);
