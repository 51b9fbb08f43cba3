/** Project settings: API keys (0000), live settings and platforms (0031). */
import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
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

/** The one row of live project settings (migrations/0031_project_settings.sql). */
export const projectSettings = sqliteTable('project_settings', {
  id: integer('id').primaryKey(),
  /** Replaced by every change to this row or to `platforms`, in the same batch. */
  version: text('version').notNull(),
  auth: json<Record<string, unknown>>('auth').notNull().default({}),
  updatedAt: text('updated_at').notNull().default(''),
});

/** Platforms: `identifier` is the web hostname, Apple bundle id, Android application id, … by `type`. */
export const platforms = sqliteTable(
  'platforms',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    type: text('type').notNull(),
    name: text('name').notNull(),
    identifier: text('identifier').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('platforms_id').on(t.id)],
);
