import { and, asc, eq, gt, ne, sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { sessions } from '../db/schema';
import { ApiError } from '../lib/errors';
import { randomSecret, sha256Hex } from '../lib/crypto';
import { uniqueId } from '../lib/ids';
import { nowDate, toAppwriteDate } from '../lib/time';
import type { Statement } from './users';

/**
 * Sessions: a random 256-bit secret goes to the client once; D1 keeps only its SHA-256. Every
 * lookup reads D1 (no cache), so a deleted or expired session stops working on the next request.
 */
export type SessionRow = typeof sessions.$inferSelect;

export interface NewSession {
  userId: string;
  /** email | anonymous | magic-url | phone | token | server | oauth2 provider name */
  provider: string;
  providerUid?: string;
  /** OAuth2 sessions carry the provider's tokens, as Appwrite's Session model shows them. */
  providerAccessToken?: string;
  providerAccessTokenExpiry?: string;
  providerRefreshToken?: string;
  ip?: string;
  userAgent?: string;
  countryCode?: string;
  factors: string[];
  /** Seconds until the session expires (config.sessionDuration). */
  duration: number;
}

/**
 * The statements that create a session and keep the user within `limit` sessions (oldest
 * dropped; 0 = no limit), for the caller to run in its own batch with related writes.
 */
export async function sessionStatements(db: D1Database, input: NewSession, limit: number) {
  const secret = randomSecret(32);
  const now = Date.now();
  const row: SessionRow = {
    id: uniqueId(),
    userId: input.userId,
    secretHash: await sha256Hex(secret),
    provider: input.provider,
    providerUid: input.providerUid ?? '',
    providerAccessToken: input.providerAccessToken ?? '',
    providerAccessTokenExpiry: input.providerAccessTokenExpiry ?? '',
    providerRefreshToken: input.providerRefreshToken ?? '',
    ip: input.ip ?? '',
    userAgent: input.userAgent ?? '',
    countryCode: input.countryCode ?? '--',
    factors: input.factors,
    mfaUpdatedAt: '',
    expire: toAppwriteDate(now + input.duration * 1000),
    createdAt: toAppwriteDate(now),
    updatedAt: toAppwriteDate(now),
  };
  const d = drizzle(db);
  const statements: Statement[] = [d.insert(sessions).values(row)];
  if (limit > 0) {
    statements.push(
      d.delete(sessions).where(
        and(
          eq(sessions.userId, input.userId),
          sql`${sessions.id} NOT IN (SELECT ${sessions.id} FROM ${sessions} WHERE ${sessions.userId} = ${input.userId} ORDER BY ${sessions.createdAt} DESC, rowid DESC LIMIT ${limit})`,
        ),
      ),
    );
  }
  return { row, secret, statements };
}

/** Creates a session (and `also`, atomically) and returns the row with its one-time secret. */
export async function createSession(db: D1Database, input: NewSession, limit: number, also: Statement[] = []) {
  const { row, secret, statements } = await sessionStatements(db, input, limit);
  const [first, ...rest] = [...statements, ...also];
  await drizzle(db).batch([first, ...rest]);
  return { row, secret };
}

/** The session of `userId` matching `which`, if it has not expired. */
async function liveSession(db: D1Database, userId: string, which: SQL): Promise<SessionRow | null> {
  const rows = await drizzle(db)
    .select()
    .from(sessions)
    .where(and(which, eq(sessions.userId, userId), gt(sessions.expire, nowDate())))
    .limit(1);
  return rows[0] ?? null;
}

/** The live session of `userId` whose secret is `secret`, or null (unknown, wrong user or expired). */
export async function findSessionBySecret(db: D1Database, userId: string, secret: string): Promise<SessionRow | null> {
  if (!secret) return null;
  return liveSession(db, userId, eq(sessions.secretHash, await sha256Hex(secret)));
}

/** A live session by id (JWTs name theirs), or null. */
export async function findLiveSession(db: D1Database, userId: string, sessionId: string): Promise<SessionRow | null> {
  return liveSession(db, userId, eq(sessions.id, sessionId));
}

export async function getSession(db: D1Database, userId: string, sessionId: string): Promise<SessionRow> {
  const row = await findLiveSession(db, userId, sessionId);
  if (!row) throw new ApiError('user_session_not_found');
  return row;
}

/** The user's live sessions, oldest first (Appwrite's order). */
export async function listSessions(db: D1Database, userId: string): Promise<SessionRow[]> {
  return drizzle(db)
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expire, nowDate())))
    .orderBy(asc(sessions.createdAt), sql`rowid`);
}

/** Deletes one session of the user; `also` commits with it. Unknown → `user_session_not_found`. */
export async function deleteSession(db: D1Database, userId: string, sessionId: string, also: Statement[] = []): Promise<SessionRow> {
  const d = drizzle(db);
  const [rows] = await d.batch([d.delete(sessions).where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId))).returning(), ...also]);
  const row = (rows as SessionRow[])[0];
  if (!row) throw new ApiError('user_session_not_found');
  return row;
}

/** Deletes every session of the user, or every one but `exceptId`; returns what was deleted. */
export function deleteSessionsStatement(db: D1Database, userId: string, exceptId?: string) {
  const where = exceptId ? and(eq(sessions.userId, userId), ne(sessions.id, exceptId)) : eq(sessions.userId, userId);
  return drizzle(db).delete(sessions).where(where).returning();
}

export async function deleteSessions(db: D1Database, userId: string, exceptId?: string, also: Statement[] = []): Promise<SessionRow[]> {
  const [rows] = await drizzle(db).batch([deleteSessionsStatement(db, userId, exceptId), ...also]);
  return rows as SessionRow[];
}

/** Pushes a session's expiry out by `duration` seconds from now (Appwrite's updateSession). */
export async function extendSession(db: D1Database, userId: string, sessionId: string, duration: number): Promise<SessionRow> {
  const now = Date.now();
  const rows = await drizzle(db)
    .update(sessions)
    .set({ expire: toAppwriteDate(now + duration * 1000), updatedAt: toAppwriteDate(now) })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), gt(sessions.expire, toAppwriteDate(now))))
    .returning();
  if (!rows[0]) throw new ApiError('user_session_not_found');
  return rows[0];
}

/**
 * Appwrite's Session model. `secret` is what the caller may see: Appwrite shows it only to API
 * keys (the encoded cookie value on creation, for server-side rendering); everyone else gets ''.
 */
export function sessionModel(row: SessionRow, opts: { current: boolean; secret?: string }) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    userId: row.userId,
    expire: row.expire,
    provider: row.provider,
    providerUid: row.providerUid,
    providerAccessToken: row.providerAccessToken,
    providerAccessTokenExpiry: row.providerAccessTokenExpiry,
    providerRefreshToken: row.providerRefreshToken,
    ip: row.ip,
    ...describeUserAgent(row.userAgent),
    countryCode: row.countryCode,
    countryName: row.countryCode === '--' ? 'Unknown' : row.countryCode.toUpperCase(),
    current: opts.current,
    factors: row.factors,
    secret: opts.secret ?? '',
    mfaUpdatedAt: row.mfaUpdatedAt,
  };
}

const OS = [
  { re: /Windows NT ([\d.]+)/, code: 'WIN', name: 'Windows' },
  { re: /(?:iPhone|iPad).*? OS ([\d_]+)/, code: 'IOS', name: 'iOS' },
  { re: /Mac OS X ([\d_.]+)/, code: 'MAC', name: 'Mac' },
  { re: /Android ([\d.]+)/, code: 'AND', name: 'Android' },
  { re: /Linux()/, code: 'LIN', name: 'GNU/Linux' },
];
const CLIENTS = [
  { re: /Edg\/([\d.]+)/, code: 'PS', name: 'Microsoft Edge', engine: 'Blink' },
  { re: /Firefox\/([\d.]+)/, code: 'FF', name: 'Firefox', engine: 'Gecko' },
  { re: /Chrome\/([\d.]+)/, code: 'CH', name: 'Chrome', engine: 'Blink' },
  { re: /Version\/([\d.]+).*Safari/, code: 'SF', name: 'Safari', engine: 'WebKit' },
  { re: /AppwriteNodeJSSDK\/([\d.]+)/, code: '', name: 'Node.js SDK', engine: '' },
  { re: /node(?:\.js)?\/?v?([\d.]*)/i, code: '', name: 'Node.js', engine: '' },
];

/** A light reading of the User-Agent for the Session model's device fields (best effort). */
export function describeUserAgent(ua: string) {
  const os = OS.map((o) => ({ o, m: o.re.exec(ua) })).find((x) => x.m);
  const client = CLIENTS.map((c) => ({ c, m: c.re.exec(ua) })).find((x) => x.m);
  const mobile = /Mobile|iPhone|Android/.test(ua);
  return {
    osCode: os?.o.code ?? '',
    osName: os?.o.name ?? '',
    osVersion: os?.m?.[1]?.replace(/_/g, '.') ?? '',
    clientType: client ? (client.c.engine ? 'browser' : 'library') : '',
    clientCode: client?.c.code ?? '',
    clientName: client?.c.name ?? '',
    clientVersion: client?.m?.[1] ?? '',
    clientEngine: client?.c.engine ?? '',
    clientEngineVersion: '',
    deviceName: ua ? (mobile ? 'smartphone' : 'desktop') : '',
    deviceBrand: '',
    deviceModel: '',
  };
}
