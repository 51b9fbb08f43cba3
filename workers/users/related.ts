import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { identities, memberships, teams, users } from '../db/schema';
import { ApiError } from '../lib/errors';
import { loadInKeyOrder, runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';
import { membershipModel, membershipTarget } from '../teams/store';
import type { UserRow } from './store';

/**
 * Lists of things hanging off users, as the Users API shows them: memberships of one user, and
 * identities (OAuth links) across all users or of one (the Account API's identities list too).
 */
type IdentityRow = typeof identities.$inferSelect;

const MEMBERSHIPS: SystemList = {
  noun: 'Membership',
  target: membershipTarget,
  // Appwrite's membership search text is the membership and user ids; the team name helps too.
  search: `(id || ' ' || user_id || ' ' || team_id || ' ' || coalesce((SELECT name FROM teams WHERE teams.id = memberships.team_id), ''))`,
};

const IDENTITIES: SystemList = {
  noun: 'Identity',
  target: systemTarget('identities', 'rowid', {
    userId: ['user_id', 'text'],
    provider: ['provider', 'text'],
    providerUid: ['provider_uid', 'text'],
    providerEmail: ['provider_email', 'text'],
    providerAccessTokenExpiry: ['provider_access_token_expiry', 'datetime'],
  }),
  search: `(id || ' ' || user_id || ' ' || provider || ' ' || provider_uid || ' ' || provider_email)`,
};

export async function listUserMemberships(db: D1Database, user: UserRow, input: SystemListInput) {
  const { keys, total } = await runSystemList(db, MEMBERSHIPS, { ...input, scope: [{ sql: 'user_id = ?', params: [user.id] }] });
  const rows = await loadInKeyOrder(
    keys,
    memberships.seq,
    (where) => drizzle(db).select({ m: memberships, teamName: teams.name }).from(memberships).leftJoin(teams, eq(teams.id, memberships.teamId)).where(where),
    (r) => r.m.seq,
  );
  // The caller is an API key, so `userAccessedAt` is shown.
  return { total, memberships: rows.map((r) => membershipModel({ membership: r.m, user }, r.teamName ?? '', { userAccessedAt: true })) };
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

/** Identities across all users, or of one user (the Account API's own list). */
export async function listIdentities(db: D1Database, input: SystemListInput, userId?: string) {
  const scope = userId === undefined ? [] : [{ sql: 'user_id = ?', params: [userId] }];
  const { keys, total } = await runSystemList(db, IDENTITIES, { ...input, scope });
  const rows = await loadInKeyOrder(
    keys,
    sql`${identities}.rowid`,
    (where) => drizzle(db).select({ i: identities, k: sql<number>`${identities}.rowid` }).from(identities).where(where),
    (r) => r.k,
  );
  return { total, identities: rows.map((r) => identityModel(r.i)) };
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

export async function listUsers(db: D1Database, input: SystemListInput) {
  const { keys, total } = await runSystemList(db, USERS, input);
  const rows = await loadInKeyOrder(keys, users.seq, (where) => drizzle(db).select().from(users).where(where), (r) => r.seq);
  return { total, rows };
}
