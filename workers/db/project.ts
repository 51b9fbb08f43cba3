/** Project settings: API keys (migrations/0000_foundation.sql). */
import { sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { json } from './columns';

/** API keys other than the root key. Only a SHA-256 of the secret is kept. */
export const keys = sqliteTable(
  'keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    scopes: json<string[]>('scopes').notNull(),
    secretHash: text('secret_hash').notNull(),
    expire: text('expire'),
    accessedAt: text('accessed_at'),
    sdks: json<string[]>('sdks').notNull().default([]),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('keys_secret_hash').on(t.secretHash)],
);
