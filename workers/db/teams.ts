/** Teams and memberships (0000); confirmed memberships feed `team:` and `member:` roles. */
import { sqliteTable, text, integer, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, json } from './columns';

export const teams = sqliteTable(
  'teams',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    name: text('name').notNull(),
    total: integer('total').notNull().default(0),
    prefs: json<Record<string, unknown>>('prefs').notNull().default({}),
    search: text('search').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('teams_id').on(t.id)],
);

export const memberships = sqliteTable(
  'memberships',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    teamId: text('team_id').notNull(),
    userId: text('user_id').notNull(),
    roles: json<string[]>('roles').notNull().default([]),
    invited: text('invited').notNull(),
    joined: text('joined').notNull().default(''),
    confirm: bool('confirm').notNull().default(false),
    secretHash: text('secret_hash').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('memberships_id').on(t.id),
    uniqueIndex('memberships_team_user').on(t.teamId, t.userId),
    index('memberships_user').on(t.userId),
  ],
);
