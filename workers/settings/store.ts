/**
 * Writes to the live project settings. Every change replaces `project_settings.version` in its
 * own batch (settings/cache.ts explains why) and drops this isolate's cached copy.
 */
import { and, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { platforms, projectSettings } from '../db/schema';
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { nowDate } from '../lib/time';
import { forget, loadSettings, type AuthOverrides, type PlatformRow } from './cache';

export const PLATFORM_TYPES = ['web', 'apple', 'android', 'windows', 'linux'] as const;
export type PlatformType = (typeof PLATFORM_TYPES)[number];

/**
 * The version change that follows a platform write in its batch; `changes()` is the count of the
 * statement before it, so a write that matched nothing (an unknown id) leaves the version alone.
 */
function bump(db: D1Database) {
  return drizzle(db)
    .update(projectSettings)
    .set({ version: sql`lower(hex(randomblob(8)))`, updatedAt: nowDate() })
    .where(and(eq(projectSettings.id, 1), sql`changes() > 0`));
}

/**
 * Merges `patch` into the auth overrides (one JSON object, patched in SQL so concurrent changes
 * to different keys both survive) and returns the new settings.
 */
export async function updateAuth(db: D1Database, patch: AuthOverrides) {
  const d = drizzle(db);
  await d
    .update(projectSettings)
    .set({ auth: sql`json_patch(${projectSettings.auth}, ${JSON.stringify(patch)})`, version: sql`lower(hex(randomblob(8)))`, updatedAt: nowDate() })
    .where(eq(projectSettings.id, 1));
  forget();
  return loadSettings(db);
}

export async function createPlatform(db: D1Database, input: { id: string; type: PlatformType; name: string; identifier: string }): Promise<PlatformRow> {
  const now = nowDate();
  const d = drizzle(db);
  try {
    const [rows] = await d.batch([d.insert(platforms).values({ ...input, createdAt: now, updatedAt: now }).returning(), bump(db)]);
    return (rows as PlatformRow[])[0];
  } catch (err) {
    if (uniqueViolationText(err)) throw new ApiError('platform_already_exists');
    throw err;
  } finally {
    forget();
  }
}

export async function getPlatform(db: D1Database, id: string, type?: PlatformType): Promise<PlatformRow> {
  const where = type ? and(eq(platforms.id, id), eq(platforms.type, type)) : eq(platforms.id, id);
  const row = (await drizzle(db).select().from(platforms).where(where).limit(1))[0];
  if (!row) throw new ApiError('platform_not_found');
  return row;
}

export async function updatePlatform(db: D1Database, id: string, type: PlatformType, input: { name: string; identifier: string }): Promise<PlatformRow> {
  const d = drizzle(db);
  const [rows] = await d.batch([
    d.update(platforms).set({ ...input, updatedAt: nowDate() }).where(and(eq(platforms.id, id), eq(platforms.type, type))).returning(),
    bump(db),
  ]);
  forget();
  const row = (rows as PlatformRow[])[0];
  if (!row) throw new ApiError('platform_not_found');
  return row;
}

export async function deletePlatform(db: D1Database, id: string): Promise<void> {
  const d = drizzle(db);
  const [rows] = await d.batch([d.delete(platforms).where(eq(platforms.id, id)).returning({ id: platforms.id }), bump(db)]);
  forget();
  if (!(rows as unknown[])[0]) throw new ApiError('platform_not_found');
}
