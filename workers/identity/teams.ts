import { and, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { memberships, teams, users } from '../db/schema';
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { uniqueId } from '../lib/ids';
import { loadInKeyOrder, runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';
import { nowDate } from '../lib/time';
import type { Statement, UserRow } from './users';

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
    if (uniqueViolationText(err)) throw new ApiError('team_already_exists');
    throw err;
  }
  return { team: await getTeam(db, input.id), membership };
}

/** Teams list: the attributes Appwrite's Teams query validator allows, plus the system ones. */
const TEAM_LIST: SystemList = {
  noun: 'Team',
  target: systemTarget('teams', 'seq', {
    name: ['name', 'text'],
    total: ['total', 'integer'],
  }),
  search: 'search',
};

/** Memberships as Appwrite's Memberships query validator exposes them (Teams and Users lists). */
export const membershipTarget = systemTarget('memberships', 'seq', {
  userId: ['user_id', 'text'],
  teamId: ['team_id', 'text'],
  invited: ['invited', 'datetime'],
  joined: ['joined', 'datetime'],
  confirm: ['confirm', 'boolean'],
  roles: ['roles', 'text', true],
});

// Appwrite's membership search text is the membership and user ids.
const MEMBERSHIP_LIST: SystemList = { noun: 'Membership', target: membershipTarget, search: `(id || ' ' || user_id)` };

/** Teams visible to the caller: `readable` ids only, or all when null (API keys). */
export async function listTeams(db: D1Database, readable: string[] | null, input: SystemListInput) {
  const scope = readable === null ? [] : [{ sql: 'id IN (SELECT value FROM json_each(?))', params: [JSON.stringify(readable)] }];
  const { keys, total } = await runSystemList(db, TEAM_LIST, { ...input, scope });
  const rows = await loadInKeyOrder(keys, teams.seq, (where) => drizzle(db).select().from(teams).where(where), (r) => r.seq);
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

export async function listMemberships(db: D1Database, teamId: string, input: SystemListInput) {
  const { keys, total } = await runSystemList(db, MEMBERSHIP_LIST, { ...input, scope: [{ sql: 'team_id = ?', params: [teamId] }] });
  const rows = await loadInKeyOrder(
    keys,
    memberships.seq,
    async (where) => (await drizzle(db).select({ membership: memberships, user: users }).from(memberships).leftJoin(users, eq(users.id, memberships.userId)).where(where)) as MemberView[],
    (r) => r.membership.seq,
  );
  return { rows, total };
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
