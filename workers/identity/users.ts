import { and, eq, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { drizzle } from 'drizzle-orm/d1';
import { identities, memberships, mfaAuthenticators, mfaChallenges, mfaRecoveryCodes, sessions, teams, tokens, users } from '../db/schema';
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { nowDate } from '../lib/time';
import type { RoleSubject } from '../lib/principal';
import type { StoredPassword } from '../lib/password';

/**
 * User records (the `users` table), shared by the Account API (workers/account) and the Users
 * admin API (workers/users/routes.ts). Emails are kept lower-case, as Appwrite does.
 */
export type UserRow = typeof users.$inferSelect;
export type Statement = BatchItem<'sqlite'>;

export interface NewUser {
  /** Already resolved (`resolveId`). */
  id: string;
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  /** Null for accounts without a password (anonymous, OTP, magic URL). */
  password?: StoredPassword | null;
  emailVerification?: boolean;
  phoneVerification?: boolean;
  status?: boolean;
  labels?: string[];
  prefs?: Record<string, unknown>;
}

/** What `search` queries match: id, name, email and phone, space-joined (Appwrite's `search`). */
export function searchText(u: { id: string; name?: string | null; email?: string | null; phone?: string | null }): string {
  return [u.id, u.name, u.email, u.phone].filter((v) => v).join(' ');
}

/** A complete row for a new user; `password` null leaves `passwordUpdate` empty (no password set). */
export function newUserRow(input: NewUser): UserRow {
  const now = nowDate();
  const email = input.email ? input.email.toLowerCase() : null;
  const row: UserRow = {
    seq: undefined as unknown as number,
    id: input.id,
    name: input.name ?? '',
    email,
    phone: input.phone || null,
    status: input.status ?? true,
    labels: input.labels ?? [],
    prefs: input.prefs ?? {},
    emailVerification: input.emailVerification ?? false,
    phoneVerification: input.phoneVerification ?? false,
    mfa: false,
    hash: input.password?.hash ?? null,
    hashOptions: input.password?.hashOptions ?? null,
    password: input.password?.password ?? null,
    passwordUpdate: input.password ? now : null,
    registration: now,
    accessedAt: now,
    search: '',
    createdAt: now,
    updatedAt: now,
  };
  row.search = searchText(row);
  return row;
}

/** D1 reports a UNIQUE violation as text naming the column; map it to Appwrite's error. */
export function uniqueViolation(err: unknown): ApiError | null {
  const text = uniqueViolationText(err);
  if (!text) return null;
  if (text.includes('users.email')) return new ApiError('user_email_already_exists');
  if (text.includes('users.phone')) return new ApiError('user_phone_already_exists');
  return new ApiError('user_already_exists');
}

/** The INSERT for a row from `newUserRow`, to run inside a caller's batch. */
export function insertUserStatement(db: D1Database, row: UserRow) {
  const { seq: _seq, ...values } = row;
  return drizzle(db).insert(users).values(values).returning();
}

/**
 * Creates a user, plus any `also` statements (a session, a token) in the same atomic batch.
 * Any id/email/phone collision is `user_already_exists` (409), as Appwrite reports it on create.
 */
export async function createUser(db: D1Database, input: NewUser, also: Statement[] = []): Promise<UserRow> {
  const row = newUserRow(input);
  try {
    const [inserted] = await drizzle(db).batch([insertUserStatement(db, row), ...also]);
    return (inserted as UserRow[])[0];
  } catch (err) {
    if (uniqueViolation(err)) throw new ApiError('user_already_exists');
    throw err;
  }
}

export async function findUser(db: D1Database, id: string): Promise<UserRow | null> {
  return (await drizzle(db).select().from(users).where(eq(users.id, id)).limit(1))[0] ?? null;
}

export async function getUser(db: D1Database, id: string): Promise<UserRow> {
  const row = await findUser(db, id);
  if (!row) throw new ApiError('user_not_found');
  return row;
}

export async function findUserByEmail(db: D1Database, email: string): Promise<UserRow | null> {
  return (await drizzle(db).select().from(users).where(eq(users.email, email.toLowerCase())).limit(1))[0] ?? null;
}

export async function findUserByPhone(db: D1Database, phone: string): Promise<UserRow | null> {
  return (await drizzle(db).select().from(users).where(eq(users.phone, phone)).limit(1))[0] ?? null;
}

/** Columns a caller may change; `updatedAt` and `search` follow automatically. */
export type UserPatch = Partial<
  Pick<
    UserRow,
    | 'name' | 'email' | 'phone' | 'status' | 'labels' | 'prefs' | 'emailVerification' | 'phoneVerification'
    | 'mfa' | 'hash' | 'hashOptions' | 'password' | 'passwordUpdate' | 'accessedAt'
  >
>;

/** The UPDATE for `patch`, to run alone or inside a caller's batch. */
export function updateUserStatement(db: D1Database, id: string, patch: UserPatch) {
  const values: Record<string, unknown> = { ...patch, updatedAt: nowDate() };
  if (typeof patch.email === 'string') values.email = patch.email.toLowerCase();
  if (patch.phone === '') values.phone = null;
  if ('name' in patch || 'email' in patch || 'phone' in patch) {
    // SQLite evaluates SET expressions against the old row, so new values come in as parameters.
    const part = (key: 'name' | 'email' | 'phone') => {
      const v = key in patch ? sql`${(values[key] as string | null) ?? ''}` : sql`coalesce(${users[key]}, '')`;
      return sql`iif(${v} <> '', ' ' || ${v}, '')`;
    };
    values.search = sql`${users.id} || ${part('name')} || ${part('email')} || ${part('phone')}`;
  }
  return drizzle(db).update(users).set(values).where(eq(users.id, id)).returning();
}

/**
 * Applies `patch` (and `also`, atomically). Unknown user → `user_not_found`; an email or phone
 * already in use → `user_email_already_exists` / `user_phone_already_exists`.
 */
export async function updateUser(db: D1Database, id: string, patch: UserPatch, also: Statement[] = []): Promise<UserRow> {
  let rows: UserRow[];
  try {
    const [updated] = await drizzle(db).batch([updateUserStatement(db, id, patch), ...also]);
    rows = updated as UserRow[];
  } catch (err) {
    throw uniqueViolation(err) ?? err;
  }
  if (!rows[0]) throw new ApiError('user_not_found');
  return rows[0];
}

/** Deletes a user with everything that hangs off it, in one batch; team totals drop accordingly. */
export async function deleteUser(db: D1Database, id: string): Promise<UserRow> {
  const d = drizzle(db);
  const row = await getUser(db, id);
  await d.batch([
    d.update(teams)
      .set({ total: sql`max(${teams.total} - 1, 0)` })
      .where(sql`${teams.id} IN (SELECT ${memberships.teamId} FROM ${memberships} WHERE ${memberships.userId} = ${id} AND ${memberships.confirm} = 1)`),
    d.delete(memberships).where(eq(memberships.userId, id)),
    d.delete(sessions).where(eq(sessions.userId, id)),
    d.delete(tokens).where(eq(tokens.userId, id)),
    d.delete(identities).where(eq(identities.userId, id)),
    d.delete(mfaAuthenticators).where(eq(mfaAuthenticators.userId, id)),
    d.delete(mfaChallenges).where(eq(mfaChallenges.userId, id)),
    d.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, id)),
    d.delete(users).where(eq(users.id, id)),
  ]);
  return row;
}

/** Confirmed memberships only: an invitation grants no team role until accepted. */
export async function confirmedMemberships(db: D1Database, userId: string) {
  return drizzle(db)
    .select({ id: memberships.id, teamId: memberships.teamId, roles: memberships.roles })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), eq(memberships.confirm, true)));
}

export function roleSubject(row: UserRow, confirmed: RoleSubject['memberships']): RoleSubject {
  return {
    id: row.id,
    emailVerification: row.emailVerification,
    phoneVerification: row.phoneVerification,
    labels: row.labels,
    memberships: confirmed,
  };
}

export interface UserModelOptions {
  /** Include `password`, `hash` and `hashOptions` (Appwrite shows them to API keys on /users). */
  secrets?: boolean;
}

/** Appwrite's User model (and, without secrets, its Account model). */
export function userModel(row: UserRow, opts: UserModelOptions = {}) {
  const model: Record<string, unknown> = {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    name: row.name,
  };
  if (opts.secrets) {
    model.password = row.password ?? '';
    model.hash = row.hash ?? '';
    model.hashOptions = row.hashOptions ?? {};
  }
  Object.assign(model, {
    registration: row.registration,
    status: row.status,
    labels: row.labels,
    passwordUpdate: row.passwordUpdate ?? '',
    email: row.email ?? '',
    phone: row.phone ?? '',
    emailVerification: row.emailVerification,
    phoneVerification: row.phoneVerification,
    mfa: row.mfa,
    prefs: row.prefs,
    targets: [],
    accessedAt: row.accessedAt ?? '',
  });
  return model;
}
