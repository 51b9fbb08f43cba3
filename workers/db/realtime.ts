/** Presences (0035): one per user, with a permission side table for read-filtered lists. */
import { sqliteTable, text, integer, index, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';
import { json } from './columns';

export const presences = sqliteTable(
  'presences',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    userId: text('user_id').notNull(),
    status: text('status'),
    /** `rest`, `realtime` (a presence frame) or `graphql`, as Appwrite records it. */
    source: text('source').notNull(),
    metadata: json<Record<string, unknown>>('metadata').notNull().default({}),
    /** Permission strings, sorted (`read("user:u1")`). */
    permissions: json<string[]>('permissions').notNull().default([]),
    expiresAt: text('expires_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('presences_id').on(t.id), uniqueIndex('presences_user').on(t.userId), index('presences_expires_at').on(t.expiresAt)],
);

export const presencePerms = sqliteTable(
  'presence_perms',
  {
    seq: integer('_seq').notNull(),
    type: text('type').notNull(),
    role: text('role').notNull(),
  },
  (t) => [primaryKey({ columns: [t.seq, t.type, t.role] }), index('presence_perms_role').on(t.type, t.role, t.seq)],
);

/**
 * One row (id 1): whether a realtime socket could hear an event now. The replay keeper writes it
 * (workers/realtime/hub/listeners.ts): `listening` from before the first socket's `connected` frame
 * until the last socket anywhere has gone, `idle_since` (Unix ms) from then. A write's batch reads
 * it as the realtime sink's probe and skips the publish when nobody listens and nobody could ask
 * for a replay.
 */
export const realtimeListeners = sqliteTable('realtime_listeners', {
  id: integer('id').primaryKey(),
  listening: integer('listening').notNull().default(0),
  idleSince: integer('idle_since'),
});
