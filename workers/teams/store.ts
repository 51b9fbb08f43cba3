import { and, count, eq, or, sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { memberships, teams, users } from '../db/schema';
import { ApiError } from '../lib/errors';
import { uniqueId } from '../lib/ids';
import { nowDate } from '../lib/time';
import type { Statement, UserRow } from '../users/store';
import { pageOrder, parseListQueries, type ListSpec } from './list-query';

/**
 * Teams and memberships in D1. A team's `total` is the number of its CONFIRMED memberships; every
 * write that can change it recounts in the same batch, so it never drifts. Invitation secrets are
 * kept only as SHA-256.
 */
export type TeamRow = typeof teams.$inferSelect;
export type MembershipRow = typeof memberships.$inferSelect;

export function teamModel(row: TeamRow) {
  return { $id: row.id, $createdAt: row.createdAt, $updatedAt: row.updatedAt, name: row.name, total: row.total, prefs: row.prefs };
}

const teamSearch = (id: string, name: string) => `${id} ${name}`;

/** Sets `total` to the team's confirmed memberships, inside whatever batch changed them. */
export function recountStatement(db: D1Database, teamId: string): Statement {
  return drizzle(db)
    .update(teams)
    .set({ total: sql`(SELECT count(*) FROM ${memberships} WHERE ${memberships.teamId} = ${teamId} AND ${memberships.confirm} = 1)` })
    .where(eq(teams.id, teamId));
}

export async function findTeam(db: D1Database, id: string): Promise<TeamRow | null> {
  return (await drizzle(db).select().from(teams).where(eq(teams.id, id)).limit(1))[0] ?? null;
}

export async function getTeam(db: D1Database, id: string): Promise<TeamRow> {
  const row = await findTeam(db, id);
  if (!row) throw new ApiError('team_not_found');
  return row;
}

export interface NewMembership {
  teamId: string;
  userId: string;
  roles: string[];
  confirm: boolean;
  /** SHA-256 of the invitation secret; '' when nothing is to be accepted. */
  secretHash: string;
}

export function newMembershipRow(input: NewMembership): MembershipRow {
  const now = nowDate();
  return {
    seq: undefined as unknown as number,
    id: uniqueId(),
    teamId: input.teamId,
    userId: input.userId,
    roles: input.roles,
    invited: now,
    joined: input.confirm ? now : '',
    confirm: input.confirm,
    secretHash: input.secretHash,
    createdAt: now,
    updatedAt: now,
  };
}

export function insertMembershipStatement(db: D1Database, row: MembershipRow): Statement {
  const { seq: _seq, ...values } = row;
  return drizzle(db).insert(memberships).values(values);
}

/**
 * Creates a team; with `creator` (a signed-in user) also their confirmed membership, in one batch.
 * Appwrite always makes the creator an owner, whatever roles were asked for.
 */
export async function createTeam(
  db: D1Database,
  input: { id: string; name: string; creator?: { userId: string; roles: string[] } },
): Promise<{ team: TeamRow; membership: MembershipRow | null }> {
  const d = drizzle(db);
  const now = nowDate();
  const values = { id: input.id, name: input.name, total: 0, prefs: {}, search: teamSearch(input.id, input.name), createdAt: now, updatedAt: now };
  let membership: MembershipRow | null = null;
  const rest: Statement[] = [];
  if (input.creator) {
    const roles = input.creator.roles.includes('owner') ? input.creator.roles : [...input.creator.roles, 'owner'];
    membership = newMembershipRow({ teamId: input.id, userId: input.creator.userId, roles, confirm: true, secretHash: '' });
    rest.push(insertMembershipStatement(db, membership), recountStatement(db, input.id));
  }
  try {
    await d.batch([d.insert(teams).values(values), ...rest]);
  } catch (err) {
    if (String((err as Error)?.message ?? err).includes('UNIQUE') || String((err as Error)?.cause ?? '').includes('UNIQUE')) {
      throw new ApiError('team_already_exists');
    }
    throw err;
  }
  return { team: await getTeam(db, input.id), membership };
}

const TEAM_LIST: ListSpec = {
  attributes: {
    $id: { column: teams.id, kind: 'string' },
    $createdAt: { column: teams.createdAt, kind: 'datetime' },
    $updatedAt: { column: teams.updatedAt, kind: 'datetime' },
    $sequence: { column: teams.seq, kind: 'number' },
    name: { column: teams.name, kind: 'string' },
    total: { column: teams.total, kind: 'number' },
  },
  seq: teams.seq,
};

const MEMBERSHIP_LIST: ListSpec = {
  attributes: {
    $id: { column: memberships.id, kind: 'string' },
    $createdAt: { column: memberships.createdAt, kind: 'datetime' },
    $updatedAt: { column: memberships.updatedAt, kind: 'datetime' },
    $sequence: { column: memberships.seq, kind: 'number' },
    userId: { column: memberships.userId, kind: 'string' },
    teamId: { column: memberships.teamId, kind: 'string' },
    invited: { column: memberships.invited, kind: 'datetime' },
    joined: { column: memberships.joined, kind: 'datetime' },
    confirm: { column: memberships.confirm, kind: 'boolean' },
    roles: { column: memberships.roles, kind: 'array' },
  },
  seq: memberships.seq,
};

/** Every word of `search` must appear in one of `columns` (a plain-text stand-in for fulltext). */
function searchCondition(search: string, columns: SQLiteColumn[]): SQL | undefined {
  const words = search.trim().split(/\s+/).filter(Boolean).slice(0, 10);
  if (!words.length) return undefined;
  const pattern = (w: string) => `%${w.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  return and(...words.map((w) => or(...columns.map((c) => sql`${c} LIKE ${pattern(w)} ESCAPE '\\'`))));
}

interface ListInput {
  queries: string[];
  search: string;
  withTotal: boolean;
}

/**
 * One page of a list: filters + search + scope for the total, plus the cursor for the page.
 * `scope` restricts rows to what the caller may see and is part of the total too.
 */
async function page<T>(
  db: D1Database,
  spec: ListSpec,
  input: ListInput,
  scope: SQL | undefined,
  searchColumns: SQLiteColumn[],
  cursorLookup: (id: string, columns: SQLiteColumn[]) => Promise<unknown[] | null>,
  fetch: (where: SQL | undefined, orderBy: SQL[], limit: number, offset: number) => Promise<T[]>,
  countRows: (where: SQL | undefined) => Promise<number>,
) {
  const list = parseListQueries(input.queries, spec);
  const where = and(scope, searchCondition(input.search, searchColumns), ...list.filters);
  const order = pageOrder(spec, list, null);
  let cursorValues: unknown[] | null = null;
  if (list.cursor) {
    cursorValues = await cursorLookup(list.cursor.id, order.columns);
    if (!cursorValues) throw new ApiError('general_cursor_not_found', `Document '${list.cursor.id}' for the 'cursor' value not found.`);
  }
  const withCursor = pageOrder(spec, list, cursorValues);
  let rows = await fetch(and(where, withCursor.cursorCondition), withCursor.orderBy, list.limit, list.offset);
  if (withCursor.reversed) rows = rows.reverse();
  const total = input.withTotal ? await countRows(where) : 0;
  return { rows, total };
}

/** Teams visible to the caller: `readable` ids only, or all when null (API keys). */
export async function listTeams(db: D1Database, readable: string[] | null, input: ListInput) {
  const d = drizzle(db);
  const scope = readable === null ? undefined : sql`${teams.id} IN (SELECT value FROM json_each(${JSON.stringify(readable)}))`;
  const { rows, total } = await page(
    db, TEAM_LIST, input, scope, [teams.search],
    async (id, columns) => {
      const row = (await d.select(Object.fromEntries(columns.map((c, i) => [`v${i}`, c]))).from(teams).where(and(eq(teams.id, id), scope)).limit(1))[0];
      return row ? columns.map((_, i) => (row as Record<string, unknown>)[`v${i}`]) : null;
    },
    (where, orderBy, limit, offset) => d.select().from(teams).where(where).orderBy(...orderBy).limit(limit).offset(offset),
    async (where) => (await d.select({ n: count() }).from(teams).where(where))[0]?.n ?? 0,
  );
  return { total, teams: rows.map(teamModel) };
}

export async function renameTeam(db: D1Database, id: string, name: string): Promise<TeamRow> {
  const rows = await drizzle(db).update(teams).set({ name, search: teamSearch(id, name), updatedAt: nowDate() }).where(eq(teams.id, id)).returning();
  if (!rows[0]) throw new ApiError('team_not_found');
  return rows[0];
}

export async function updateTeamPrefs(db: D1Database, id: string, prefs: Record<string, unknown>): Promise<TeamRow> {
  const rows = await drizzle(db).update(teams).set({ prefs, updatedAt: nowDate() }).where(eq(teams.id, id)).returning();
  if (!rows[0]) throw new ApiError('team_not_found');
  return rows[0];
}

/** Deletes the team and all its memberships in one batch; the members lose its roles at once. */
export async function deleteTeam(db: D1Database, id: string): Promise<TeamRow> {
  const d = drizzle(db);
  const [, deleted] = await d.batch([
    d.delete(memberships).where(eq(memberships.teamId, id)),
    d.delete(teams).where(eq(teams.id, id)).returning(),
  ]);
  const row = (deleted as TeamRow[])[0];
  if (!row) throw new ApiError('team_not_found');
  return row;
}

// ---- memberships ------------------------------------------------------------------------------

export interface MemberView {
  membership: MembershipRow;
  /** Null only if the user vanished between reads. */
  user: UserRow | null;
}

/**
 * Appwrite's Membership model. `mfa` is on when the user turned MFA on and has a verified email or
 * phone to use as a factor; `userAccessedAt` is shown only to API keys (Appwrite's default privacy).
 */
export function membershipModel(view: MemberView, teamName: string, privacy: { userAccessedAt: boolean }) {
  const { membership: m, user: u } = view;
  const hasFactor = !!u && ((!!u.email && u.emailVerification) || (!!u.phone && u.phoneVerification));
  return {
    $id: m.id,
    $createdAt: m.createdAt,
    $updatedAt: m.updatedAt,
    userId: m.userId,
    userName: u?.name ?? '',
    userEmail: u?.email ?? '',
    userPhone: u?.phone ?? '',
    teamId: m.teamId,
    teamName,
    invited: m.invited,
    joined: m.joined,
    confirm: m.confirm,
    mfa: !!u?.mfa && hasFactor,
    userAccessedAt: privacy.userAccessedAt ? (u?.accessedAt ?? '') : '',
    roles: m.roles,
  };
}

export async function listMemberships(db: D1Database, teamId: string, input: ListInput) {
  const d = drizzle(db);
  const scope = eq(memberships.teamId, teamId);
  return page(
    db, MEMBERSHIP_LIST, input, scope, [memberships.id, memberships.userId],
    async (id, columns) => {
      const row = (await d.select(Object.fromEntries(columns.map((c, i) => [`v${i}`, c]))).from(memberships).where(and(eq(memberships.id, id), scope)).limit(1))[0];
      return row ? columns.map((_, i) => (row as Record<string, unknown>)[`v${i}`]) : null;
    },
    async (where, orderBy, limit, offset) =>
      (await d.select({ membership: memberships, user: users }).from(memberships).leftJoin(users, eq(users.id, memberships.userId))
        .where(where).orderBy(...orderBy).limit(limit).offset(offset)) as MemberView[],
    async (where) => (await d.select({ n: count() }).from(memberships).where(where))[0]?.n ?? 0,
  );
}

export async function findMembership(db: D1Database, membershipId: string): Promise<MemberView | null> {
  const rows = await drizzle(db)
    .select({ membership: memberships, user: users })
    .from(memberships)
    .leftJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.id, membershipId))
    .limit(1);
  return (rows[0] as MemberView | undefined) ?? null;
}

/** The membership `membershipId` of `teamId`: unknown → `membership_not_found`; other team → mismatch. */
export async function getMembership(db: D1Database, teamId: string, membershipId: string): Promise<MemberView> {
  const view = await findMembership(db, membershipId);
  if (!view) throw new ApiError('membership_not_found');
  if (view.membership.teamId !== teamId) throw new ApiError('team_membership_mismatch');
  return view;
}

export async function findMembershipOf(db: D1Database, teamId: string, userId: string): Promise<MembershipRow | null> {
  return (await drizzle(db).select().from(memberships).where(and(eq(memberships.teamId, teamId), eq(memberships.userId, userId))).limit(1))[0] ?? null;
}

/** Confirmed owners and the size of the team, for the "someone must own it" rules. */
export async function ownerCensus(db: D1Database, teamId: string) {
  const rows = await drizzle(db).select({ id: memberships.id, roles: memberships.roles, confirm: memberships.confirm }).from(memberships).where(eq(memberships.teamId, teamId));
  return {
    confirmedOwnerIds: rows.filter((r) => r.confirm && r.roles.includes('owner')).map((r) => r.id),
    membershipCount: rows.length,
  };
}

export async function updateMembershipRoles(db: D1Database, membershipId: string, roles: string[]): Promise<MembershipRow> {
  const rows = await drizzle(db).update(memberships).set({ roles, updatedAt: nowDate() }).where(eq(memberships.id, membershipId)).returning();
  if (!rows[0]) throw new ApiError('membership_not_found');
  return rows[0];
}

/** A fresh invitation on an unconfirmed membership; with `confirm` (API keys) it is accepted at once. */
export function reinviteStatement(db: D1Database, membershipId: string, secretHash: string, confirm: boolean): Statement {
  const now = nowDate();
  const set: Partial<MembershipRow> = { secretHash, invited: now, updatedAt: now };
  if (confirm) Object.assign(set, { confirm: true, joined: now });
  return drizzle(db).update(memberships).set(set).where(and(eq(memberships.id, membershipId), eq(memberships.confirm, false)));
}

/** Marks the invitation accepted; a no-op if it already was (a concurrent accept). */
export function confirmStatement(db: D1Database, membershipId: string): Statement {
  const now = nowDate();
  return drizzle(db)
    .update(memberships)
    .set({ confirm: true, joined: now, updatedAt: now })
    .where(and(eq(memberships.id, membershipId), eq(memberships.confirm, false)));
}

export async function deleteMembership(db: D1Database, row: MembershipRow): Promise<void> {
  const d = drizzle(db);
  await d.batch([d.delete(memberships).where(eq(memberships.id, row.id)), recountStatement(db, row.teamId)]);
}

export async function runBatch(db: D1Database, statements: Statement[]): Promise<void> {
  const [first, ...rest] = statements;
  if (first) await drizzle(db).batch([first, ...rest]);
}
