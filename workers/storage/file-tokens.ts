/**
 * File tokens (the Tokens service's `/tokens/buckets/{b}/files/{f}`): a key-made credential that
 * lets anyone holding it read one file through `?token=` (download, view, preview). The secret is
 * an ES256 JWT naming the token (signed with JWT_SIGNING_KEY, as account JWTs are); the D1 row is
 * the authority on expiry and revocation, so `PATCH` and `DELETE` take effect at once, and the
 * secret can be shown again on `GET`, as Appwrite does.
 */
import { SignJWT, jwtVerify } from 'jose';
import { signingKeys } from '../identity/jwt';
import { ApiError } from '../lib/errors';
import { uniqueId } from '../lib/ids';
import { nowDate, toAppwriteDate } from '../lib/time';

export interface FileTokenRow {
  id: string;
  bucketId: string;
  fileId: string;
  expire: string | null;
  accessedAt: string;
  createdAt: string;
  updatedAt: string;
}

const COLUMNS = 'id, bucket_id AS bucketId, file_id AS fileId, expire, accessed_at AS accessedAt, created_at AS createdAt, updated_at AS updatedAt';

async function secretOf(env: Pick<Env, 'JWT_SIGNING_KEY'>, id: string): Promise<string> {
  const keys = await signingKeys(env);
  return new SignJWT({ tokenId: id, resourceType: 'files' }).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.kid }).sign(keys.privateKey);
}

export async function tokenModel(env: Pick<Env, 'JWT_SIGNING_KEY'>, row: FileTokenRow) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    resourceId: `${row.bucketId}:${row.fileId}`,
    resourceType: 'files',
    expire: row.expire ?? '',
    secret: await secretOf(env, row.id),
    accessedAt: row.accessedAt,
  };
}

export async function createFileToken(db: D1Database, bucketId: string, fileId: string, expire: string | null): Promise<FileTokenRow> {
  const now = nowDate();
  const row = await db
    .prepare(`INSERT INTO file_tokens (id, bucket_id, file_id, expire, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`)
    .bind(uniqueId(), bucketId, fileId, expire, now, now)
    .first<FileTokenRow>();
  return row!;
}

export async function getFileToken(db: D1Database, id: string): Promise<FileTokenRow> {
  const row = await db.prepare(`SELECT ${COLUMNS} FROM file_tokens WHERE id = ?`).bind(id).first<FileTokenRow>();
  if (!row) throw new ApiError('token_not_found');
  return row;
}

export async function listFileTokens(db: D1Database, bucketId: string, fileId: string, limit: number, offset: number) {
  const [page, count] = await db.batch([
    db.prepare(`SELECT ${COLUMNS} FROM file_tokens WHERE bucket_id = ? AND file_id = ? ORDER BY seq LIMIT ? OFFSET ?`).bind(bucketId, fileId, limit, offset),
    db.prepare('SELECT count(*) AS n FROM file_tokens WHERE bucket_id = ? AND file_id = ?').bind(bucketId, fileId),
  ]);
  return { rows: page.results as FileTokenRow[], total: (count.results[0] as { n: number }).n };
}

export async function updateFileToken(db: D1Database, id: string, expire: string | null): Promise<FileTokenRow> {
  const row = await db.prepare(`UPDATE file_tokens SET expire = ?, updated_at = ? WHERE id = ? RETURNING ${COLUMNS}`).bind(expire, nowDate(), id).first<FileTokenRow>();
  if (!row) throw new ApiError('token_not_found');
  return row;
}

export async function deleteFileToken(db: D1Database, id: string): Promise<void> {
  const res = await db.prepare('DELETE FROM file_tokens WHERE id = ?').bind(id).run();
  if (!res.meta.changes) throw new ApiError('token_not_found');
}

/**
 * The token id when `secret` grants reading this file. A secret that does not verify, names no live token or
 * names another file grants nothing (the caller's own permissions then decide); an expired token
 * is `token_expired`.
 */
export async function tokenGrants(env: Pick<Env, 'JWT_SIGNING_KEY' | 'DB'>, secret: string, bucketId: string, fileId: string): Promise<string | null> {
  let tokenId: unknown;
  try {
    const keys = await signingKeys(env);
    ({ payload: { tokenId } } = await jwtVerify(secret, keys.publicKey, { algorithms: ['ES256'] }));
  } catch {
    return null;
  }
  if (typeof tokenId !== 'string') return null;
  const row = await env.DB.prepare(`SELECT ${COLUMNS} FROM file_tokens WHERE id = ?`).bind(tokenId).first<FileTokenRow>();
  if (!row || row.bucketId !== bucketId || row.fileId !== fileId) return null;
  if (row.expire && row.expire <= toAppwriteDate(Date.now())) throw new ApiError('token_expired');
  return row.id;
}

/** Marks the token used (at most once a minute per token, off the response path). */
export function touchToken(db: D1Database, tokenId: string): Promise<unknown> {
  const now = Date.now();
  return db.prepare('UPDATE file_tokens SET accessed_at = ? WHERE id = ? AND accessed_at < ?').bind(toAppwriteDate(now), tokenId, toAppwriteDate(now - 60_000)).run();
}
