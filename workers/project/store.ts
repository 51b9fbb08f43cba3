import { and, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { keys } from '../db/schema';
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { randomSecret, sha256Hex, timingSafeEqual } from '../lib/crypto';
import { loadInKeyOrder, runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';
import { nowDate, toAppwriteDate } from '../lib/time';
import { ROOT_SCOPES } from '../lib/scopes';

export type KeyRow = typeof keys.$inferSelect;

/** Appwrite's project key model. Ledge keeps only a hash, so `secret` is shown once, on create. */
export function keyModel(row: KeyRow, secret = '') {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    name: row.name,
    expire: row.expire ?? '',
    scopes: row.scopes,
    secret,
    accessedAt: row.accessedAt ?? '',
    sdks: row.sdks,
  };
}

const KEY_PREFIX = 'standard_';

export async function createKey(
  db: D1Database,
  input: { id: string; name: string; scopes: string[]; expire: string | null },
) {
  const secret = KEY_PREFIX + randomSecret(48);
  const now = nowDate();
  const row: KeyRow = {
    id: input.id,
    name: input.name,
    scopes: input.scopes,
    secretHash: await sha256Hex(secret),
    expire: input.expire,
    accessedAt: null,
    sdks: [],
    createdAt: now,
    updatedAt: now,
  };
  try {
    await drizzle(db).insert(keys).values(row);
  } catch (err) {
    if (uniqueViolationText(err)) throw new ApiError('key_already_exists');
    throw err;
  }
  return keyModel(row, secret);
}

/** Keys list: the attributes Appwrite's Keys query validator allows, plus the system ones. */
const KEY_LIST: SystemList = {
  noun: 'Key',
  target: systemTarget('keys', 'rowid', {
    name: ['name', 'text'],
    expire: ['expire', 'datetime'],
    accessedAt: ['accessed_at', 'datetime'],
    scopes: ['scopes', 'text', true],
  }),
};

export async function listKeys(db: D1Database, input: SystemListInput) {
  const { keys: page, total } = await runSystemList(db, KEY_LIST, input);
  const rowid = sql<number>`${keys}.rowid`;
  const rows = await loadInKeyOrder(page, rowid, (where) => drizzle(db).select({ key: keys, k: rowid }).from(keys).where(where), (r) => r.k);
  return { total, keys: rows.map((r) => keyModel(r.key)) };
}

export async function getKey(db: D1Database, id: string): Promise<KeyRow> {
  const row = (await drizzle(db).select().from(keys).where(eq(keys.id, id)).limit(1))[0];
  if (!row) throw new ApiError('key_not_found');
  return row;
}

/**
 * The caller may change or delete a key only if it holds every scope that key holds: otherwise a
 * key with `keys.write` could strip or remove a stronger key. Checked in the write's own WHERE, so
 * a concurrent change of the target's scopes cannot slip between check and write.
 */
function heldBy(callerScopes: ReadonlySet<string>) {
  return sql`NOT EXISTS (SELECT 1 FROM json_each(${keys.scopes}) WHERE value NOT IN (SELECT value FROM json_each(${JSON.stringify([...callerScopes])})))`;
}

/** After a guarded write matched nothing: the key is missing, or it holds scopes the caller lacks. */
async function refusal(db: D1Database, id: string, callerScopes: ReadonlySet<string>): Promise<ApiError> {
  const row = (await drizzle(db).select({ scopes: keys.scopes }).from(keys).where(eq(keys.id, id)).limit(1))[0];
  if (!row) return new ApiError('key_not_found');
  const missing = row.scopes.filter((s) => !callerScopes.has(s));
  return new ApiError('general_unauthorized_scope', `The API key cannot change a key holding scopes it does not hold: ${missing.join(', ')}`);
}

export async function updateKey(
  db: D1Database,
  id: string,
  input: { name: string; scopes: string[]; expire: string | null },
  callerScopes: ReadonlySet<string>,
) {
  const rows = await drizzle(db)
    .update(keys)
    .set({ name: input.name, scopes: input.scopes, expire: input.expire, updatedAt: nowDate() })
    .where(and(eq(keys.id, id), heldBy(callerScopes)))
    .returning();
  if (!rows[0]) throw await refusal(db, id, callerScopes);
  return keyModel(rows[0]);
}

export async function deleteKey(db: D1Database, id: string, callerScopes: ReadonlySet<string>) {
  const rows = await drizzle(db).delete(keys).where(and(eq(keys.id, id), heldBy(callerScopes))).returning({ id: keys.id });
  if (!rows[0]) throw await refusal(db, id, callerScopes);
}

export type VerifiedKey = { keyId: string; scopes: ReadonlySet<string>; touch?: () => Promise<unknown> };

/**
 * Resolves an `X-Appwrite-Key` secret. The root key is compared in constant time; other keys are
 * found by the SHA-256 of their secret. Unknown → `user_unauthorized`; expired → `project_key_expired`.
 */
export async function verifyKey(db: D1Database, rootKey: string, secret: string): Promise<VerifiedKey> {
  if (rootKey && timingSafeEqual(secret, rootKey)) return { keyId: 'root', scopes: ROOT_SCOPES };
  const hash = await sha256Hex(secret);
  const row = (await drizzle(db).select().from(keys).where(eq(keys.secretHash, hash)).limit(1))[0];
  if (!row) throw new ApiError('user_unauthorized', 'The API key is invalid or has been deleted.');
  const now = Date.now();
  if (row.expire && Date.parse(row.expire) <= now) throw new ApiError('project_key_expired');
  // Appwrite refreshes accessedAt at most once a day; so does Ledge, off the request path.
  const stale = !row.accessedAt || now - Date.parse(row.accessedAt) > 86_400_000;
  const touch = stale
    ? () =>
        drizzle(db)
          .update(keys)
          .set({ accessedAt: toAppwriteDate(now) })
          .where(and(eq(keys.id, row.id), eq(keys.secretHash, hash)))
    : undefined;
  return { keyId: row.id, scopes: new Set(row.scopes), touch };
}

