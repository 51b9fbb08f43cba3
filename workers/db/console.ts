/** The admin realm: accounts that sign in with project `console` (migrations/0030_console_admins.sql). */
import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, json } from './columns';

export const consoleAdmins = sqliteTable(
  'console_admins',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    name: text('name').notNull().default(''),
    /** Kept lower-case, as users' emails are. */
    email: text('email').notNull(),
    status: bool('status').notNull().default(true),
    /** The same password columns and scheme as users (lib/password). */
    hash: text('hash'),
    hashOptions: json<Record<string, unknown>>('hash_options'),
    password: text('password'),
    passwordUpdate: text('password_update'),
    accessedAt: text('accessed_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('console_admins_id').on(t.id), uniqueIndex('console_admins_email').on(t.email)],
);
