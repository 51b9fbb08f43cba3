import { count, desc, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { logs } from '../db/schema';
import { pageOnly, type SystemListInput } from '../lib/system-list';
import { nowDate } from '../lib/time';
import type { UserRow } from './users';
import { describeUserAgent } from './sessions';

/**
 * The security log behind `/account/logs` (and `/users/{id}/logs`): who did what to an account,
 * from where. Event names follow Appwrite's audit labels (`session.create`, `user.update`, …).
 */
export type LogRow = typeof logs.$inferSelect;

export interface LogEntry {
  userId: string;
  event: string;
  resource?: string;
  ip?: string;
  userAgent?: string;
  mode?: string;
}

/** The INSERT for one entry, to ride in the batch of the change it records. */
export function logStatement(db: D1Database, entry: LogEntry) {
  return drizzle(db).insert(logs).values({
    userId: entry.userId,
    event: entry.event,
    resource: entry.resource ?? `user/${entry.userId}`,
    mode: entry.mode ?? 'default',
    ip: entry.ip ?? '',
    userAgent: entry.userAgent ?? '',
    time: nowDate(),
  });
}

/** Newest first; Appwrite's logs page by `limit` and `offset` only. */
export async function listLogs(db: D1Database, userId: string, input: SystemListInput) {
  const { limit, offset } = pageOnly(input.queries);
  const d = drizzle(db);
  const rows = await d.select().from(logs).where(eq(logs.userId, userId)).orderBy(desc(logs.seq)).limit(limit).offset(offset);
  const total = input.total ? ((await d.select({ n: count() }).from(logs).where(eq(logs.userId, userId)))[0]?.n ?? 0) : 0;
  return { total, rows };
}

/** Appwrite's Log model. */
export function logModel(row: LogRow, user: Pick<UserRow, 'email' | 'name'> | null) {
  const ua = describeUserAgent(row.userAgent);
  return {
    event: row.event,
    userId: row.userId,
    userEmail: user?.email ?? '',
    userName: user?.name ?? '',
    mode: row.mode,
    userType: 'user',
    ip: row.ip,
    time: row.time,
    osCode: ua.osCode,
    osName: ua.osName,
    osVersion: ua.osVersion,
    clientType: ua.clientType,
    clientCode: ua.clientCode,
    clientName: ua.clientName,
    clientVersion: ua.clientVersion,
    clientEngine: ua.clientEngine,
    clientEngineVersion: ua.clientEngineVersion,
    deviceName: ua.deviceName,
    deviceBrand: ua.deviceBrand,
    deviceModel: ua.deviceModel,
    countryCode: row.countryCode,
    countryName: row.countryCode === '--' ? 'Unknown' : row.countryCode.toUpperCase(),
  };
}
