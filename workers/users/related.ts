import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { identities, memberships, teams, users } from '../db/schema';
import { ApiError } from '../lib/errors';
import { inKeyOrder, runSystemList, systemTarget, type SystemList } from './list';
import type { UserRow } from './store';

/**
 * Lists of things hanging off users, as the Users API shows them: memberships of one user, and
 * identities (OAuth links) across all users.
 */
type MembershipRow = typeof memberships.$inferSelect;
type IdentityRow = typeof identities.$inferSelect;

const MEMBERSHIPS: SystemList = {
  noun: 'Membership',
  target: systemTarget('memberships', 'seq', {
    $id: ['id', 'text'],
    $createdAt: ['created_at', 'datetime'],
    $updatedAt: ['updated_at', 'datetime'],
    userId: ['user_id', 'text'],
    teamId: ['team_id', 'text'],
    invited: ['invited', 'datetime'],
    joined: ['joined', 'datetime'],
    confirm: ['confirm', 'boolean'],
    roles: ['roles', 'text', true],
  }),
  // Appwrite's membership search text is the membership and user ids; the team name helps too.
  search: `(id || ' ' || user_id || ' ' || team_id || ' ' || coalesce((SELECT name FROM teams WHERE teams.id = memberships.team_id), ''))`,
};

const IDENTITIES: SystemList = {
  noun: 'Identity',
  target: systemTarget('identities', 'rowid', {
    $id: ['id', 'text'],
    $createdAt: ['created_at', 'datetime'],
    $updatedAt: ['updated_at', 'datetime'],
    userId: ['user_id', 'text'],
    provider: ['provider', 'text'],
    providerUid: ['provider_uid', 'text'],
    providerEmail: ['provider_email', 'text'],
    providerAccessTokenExpiry: ['provider_access_token_expiry', 'datetime'],
  }),
  search: `(id || ' ' || user_id || ' ' || provider || ' ' || provider_uid || ' ' || provider_email)`,
};

/** Appwrite's Membership model; the user fields come from the user the list is for. */
export function membershipModel(row: MembershipRow, teamName: string, user: UserRow) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    userId: row.userId,
    userName: user.name,
    userEmail: user.email ?? '',
    userPhone: user.phone ?? '',
    teamId: row.teamId,
    teamName,
    invited: row.invited,
    joined: row.joined,
    confirm: row.confirm,
    mfa: user.mfa,
    userAccessedAt: user.accessedAt ?? '',
    roles: row.roles,
  };
}

export async function listUserMemberships(db: D1Database, user: UserRow, input: { queries: string[]; search?: string; total: boolean }) {
  const { keys, total } = await runSystemList(db, MEMBERSHIPS, { ...input, extra: [{ sql: 'user_id = ?', params: [user.id] }] });
  if (!keys.length) return { total, memberships: [] };
  const d = drizzle(db);
  const rows = await d
    .select({ m: memberships, teamName: teams.name })
    .from(memberships)
    .leftJoin(teams, eq(teams.id, memberships.teamId))
    .where(sql`${memberships.seq} IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`);
  const ordered = inKeyOrder(keys, rows, (r) => r.m.seq);
  return { total, memberships: ordered.map((r) => membershipModel(r.m, r.teamName ?? '', user)) };
}

export function identityModel(row: IdentityRow) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    userId: row.userId,
    provider: row.provider,
    providerUid: row.providerUid,
    providerEmail: row.providerEmail,
    providerAccessToken: row.providerAccessToken,
    providerAccessTokenExpiry: row.providerAccessTokenExpiry,
    providerRefreshToken: row.providerRefreshToken,
  };
}

export async function listIdentities(db: D1Database, input: { queries: string[]; search?: string; total: boolean }) {
  const { keys, total } = await runSystemList(db, IDENTITIES, input);
  if (!keys.length) return { total, identities: [] };
  const rows = await drizzle(db)
    .select({ i: identities, k: sql<number>`${identities}.rowid` })
    .from(identities)
    .where(sql`${identities}.rowid IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`);
  return { total, identities: inKeyOrder(keys, rows, (r) => r.k).map((r) => identityModel(r.i)) };
}

export async function deleteIdentity(db: D1Database, id: string): Promise<IdentityRow> {
  const rows = await drizzle(db).delete(identities).where(eq(identities.id, id)).returning();
  if (!rows[0]) throw new ApiError('user_identity_not_found');
  return rows[0];
}

/** Users list: the attributes Appwrite's Users query validator allows, plus the system ones. */
export const USERS: SystemList = {
  noun: 'User',
  target: systemTarget('users', 'seq', {
    $id: ['id', 'text'],
    $createdAt: ['created_at', 'datetime'],
    $updatedAt: ['updated_at', 'datetime'],
    name: ['name', 'text'],
    email: ['email', 'text'],
    phone: ['phone', 'text'],
    status: ['status', 'boolean'],
    passwordUpdate: ['password_update', 'datetime'],
    registration: ['registration', 'datetime'],
    emailVerification: ['email_verification', 'boolean'],
    phoneVerification: ['phone_verification', 'boolean'],
    labels: ['labels', 'text', true],
    accessedAt: ['accessed_at', 'datetime'],
  }),
  search: 'search',
};

export async function listUsers(db: D1Database, input: { queries: string[]; search?: string; total: boolean }) {
  const { keys, total } = await runSystemList(db, USERS, input);
  if (!keys.length) return { total, rows: [] as UserRow[] };
  // One JSON parameter, not one per key: D1 binds at most 100 parameters per statement.
  const rows = await drizzle(db).select().from(users).where(sql`${users.seq} IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`);
  return { total, rows: inKeyOrder(keys, rows, (r) => r.seq) };
}
