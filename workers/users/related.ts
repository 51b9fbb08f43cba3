import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { memberships, teams, users } from '../db/schema';
import { loadInKeyOrder, runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';
import { membershipModel, membershipTarget } from '../identity/teams';
import type { UserRow } from '../identity/users';

/** Lists only the Users API shows: all users, and the memberships of one user. */

const MEMBERSHIPS: SystemList = {
  noun: 'Membership',
  target: membershipTarget,
  // Appwrite's membership search text is the membership and user ids; the team name helps too.
  search: `(id || ' ' || user_id || ' ' || team_id || ' ' || coalesce((SELECT name FROM teams WHERE teams.id = memberships.team_id), ''))`,
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
