import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { presences } from '../db/schema';
import { jsonSafe, makeEvent, type LedgeEvent } from '../events/event';
import { rawReader, uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { formatPermissions, type Permission } from '../lib/permissions';
import { canAccess, itemEventRoles, permissionRowsJson, readScope, type Container } from '../lib/permissions-container';
import type { Principal } from '../lib/principal';
import { loadInKeyOrder, runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';
import { nowDate, toAppwriteDate } from '../lib/time';

/**
 * Presences (Appwrite 1.9 `presenceLogs`): at most one per user, upserted over REST or by a
 * realtime `presence` frame. Each presence carries its own permissions (read/update/delete), so
 * it is an item under Appwrite's container/item rule with an empty container and item security
 * on; its events go to its readers on the `presences` channels. An expired presence reads as
 * missing.
 */
export type PresenceRow = typeof presences.$inferSelect;

export const PRESENCE_ACTIONS = ['read', 'update', 'delete'] as const;
const presenceReader = rawReader(presences);
const CONTAINER: Container = { permissions: [], itemSecurity: true, permsTable: 'presence_perms' };

const PRESENCE_LIST: SystemList = {
  noun: 'Presence',
  target: systemTarget('presences', 'seq', {
    userId: ['user_id', 'text'],
    expiresAt: ['expires_at', 'datetime'],
    status: ['status', 'text'],
    source: ['source', 'text'],
  }),
};

export function presenceModel(row: PresenceRow) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    $permissions: row.permissions,
    userId: row.userId,
    status: row.status,
    source: row.source,
    expiresAt: row.expiresAt,
    metadata: row.metadata,
  };
}

const parsePerms = (row: PresenceRow): Permission[] =>
  row.permissions.map((p) => {
    const m = /^(\w+)\("(.+)"\)$/.exec(p)!;
    return { action: m[1] as Permission['action'], role: m[2] };
  });

export const isLive = (row: PresenceRow, now = Date.now()) => !row.expiresAt || Date.parse(row.expiresAt) > now;

export function mayAccess(principal: Principal, row: PresenceRow, action: 'read' | 'update' | 'delete'): boolean {
  return canAccess(principal, CONTAINER, parsePerms(row), action);
}

/** The event for a presence change, readable by the presence's readers. */
export function presenceEvent(row: PresenceRow, action: 'upsert' | 'update' | 'delete'): LedgeEvent {
  return makeEvent([`presences.${row.id}.${action}`], jsonSafe(presenceModel(row)), itemEventRoles(CONTAINER, parsePerms(row)), row.userId);
}

export async function findPresence(db: D1Database, id: string): Promise<PresenceRow | null> {
  return (await drizzle(db).select().from(presences).where(eq(presences.id, id)).limit(1))[0] ?? null;
}

/** The side-table rows of a presence, rewritten in the caller's batch. */
function permissionStatements(db: D1Database, userId: string, perms: readonly Permission[]) {
  const seq = '(SELECT seq FROM presences WHERE user_id = ?)';
  return [
    db.prepare(`DELETE FROM presence_perms WHERE _seq = ${seq}`).bind(userId),
    db.prepare(`INSERT INTO presence_perms (_seq, type, role) SELECT ${seq}, j.value ->> 0, j.value ->> 1 FROM json_each(?) AS j`).bind(userId, permissionRowsJson(perms)),
  ];
}

const sortedStrings = (perms: readonly Permission[]) => [...new Set(formatPermissions([...perms]))].sort();

export interface PresenceWrite {
  userId: string;
  status: string | null;
  source: string;
  expiresAt: string | null;
  metadata: Record<string, unknown>;
  permissions: Permission[];
}

/**
 * Creates the user's presence under `presenceId`, or rewrites the one the user already has (which
 * keeps its own id), in one atomic batch. Another user's presence under that id is
 * `presence_already_exists`.
 */
export async function upsertPresence(db: D1Database, presenceId: string, write: PresenceWrite): Promise<PresenceRow> {
  const now = nowDate();
  const perms = JSON.stringify(sortedStrings(write.permissions));
  const upsert = db
    .prepare(
      `INSERT INTO presences (id, user_id, status, source, metadata, permissions, expires_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, source = excluded.source, metadata = excluded.metadata,
         permissions = excluded.permissions, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
    )
    .bind(presenceId, write.userId, write.status, write.source, JSON.stringify(write.metadata), perms, write.expiresAt, now, now);
  try {
    await db.batch([upsert, ...permissionStatements(db, write.userId, write.permissions)]);
  } catch (err) {
    if (uniqueViolationText(err)?.includes('presences.id')) throw new ApiError('presence_already_exists', undefined, presenceId);
    throw err;
  }
  return (await drizzle(db).select().from(presences).where(eq(presences.userId, write.userId)).limit(1))[0];
}

/** Changes the fields given (`permissions` rewrites the side table too); the row as it is now. */
export async function updatePresence(db: D1Database, row: PresenceRow, patch: Partial<PresenceWrite>): Promise<PresenceRow> {
  const next = { ...row, ...patch, updatedAt: nowDate() };
  const perms = patch.permissions ? sortedStrings(patch.permissions) : row.permissions;
  const statements = [
    db
      .prepare('UPDATE presences SET user_id = ?, status = ?, metadata = ?, permissions = ?, expires_at = ?, updated_at = ? WHERE id = ?')
      .bind(next.userId, next.status, JSON.stringify(next.metadata), JSON.stringify(perms), next.expiresAt, next.updatedAt, row.id),
  ];
  if (patch.permissions) statements.push(...permissionStatements(db, next.userId, patch.permissions));
  try {
    await db.batch(statements);
  } catch (err) {
    if (uniqueViolationText(err)?.includes('presences.user_id')) throw new ApiError('presence_already_exists', undefined, row.id);
    throw err;
  }
  return { ...next, permissions: perms };
}

/** Deletes presences by id with their side-table rows; returns the rows that existed. */
export async function deletePresences(db: D1Database, ids: readonly string[]): Promise<PresenceRow[]> {
  if (ids.length === 0) return [];
  const list = JSON.stringify(ids);
  const [, deleted] = await db.batch<Record<string, unknown>>([
    db.prepare('DELETE FROM presence_perms WHERE _seq IN (SELECT seq FROM presences WHERE id IN (SELECT value FROM json_each(?)))').bind(list),
    db.prepare('DELETE FROM presences WHERE id IN (SELECT value FROM json_each(?)) RETURNING *').bind(list),
  ]);
  return deleted.results.map((r) => presenceReader.decode(r));
}

/** Live presences the caller may read (all of them for a key). */
export async function listPresences(db: D1Database, principal: Principal, input: SystemListInput) {
  const access = readScope(principal, CONTAINER, 'presences.seq');
  const scope = [{ sql: '(expires_at IS NULL OR expires_at > ?)', params: [nowDate()] as unknown[] }];
  if (!access.all) scope.push({ sql: access.sql, params: access.params });
  const { keys, total } = await runSystemList(db, PRESENCE_LIST, { ...input, scope });
  const rows = await loadInKeyOrder(keys, presences.seq, (where) => drizzle(db).select().from(presences).where(where), (r) => r.seq);
  return { total, presences: rows.map(presenceModel) };
}

/** Appwrite's expiry rule for a requested `expiresAt`: in the future and at most 30 days ahead. */
export function expiryWithin30Days(value: string | undefined, fallbackSeconds: number): string {
  if (value === undefined) return toAppwriteDate(Date.now() + fallbackSeconds * 1000);
  const ms = Date.parse(value);
  const now = Date.now();
  if (Number.isNaN(ms) || ms <= now || ms > now + 30 * 86_400_000) {
    throw new ApiError('general_argument_invalid', 'Invalid `expiresAt` param: Value must be valid date in the future and at most 30 days from now.');
  }
  return toAppwriteDate(ms);
}
