/**
 * Files in D1. A file row carries its permissions twice, as rows do: the `permissions` strings
 * (the model) and the `file_perms` side table (list filtering in SQL through
 * lib/permissions-container's `readScope`). Every write that changes one changes the other in
 * the same batch.
 */
import { files } from '../db/schema';
import { rawReader } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { formatPermissions, type Permission } from '../lib/permissions';
import { permissionRowsJson, type ReadScope } from '../lib/permissions-container';
import { runSystemList, systemTarget, type SystemList, type SystemListInput, inKeyOrder } from '../lib/system-list';
import { nowDate } from '../lib/time';
import { bucketReader, type BucketRow } from './bucket-store';

export type FileRow = typeof files.$inferSelect;

export const fileReader = rawReader(files);

export function fileModel(row: FileRow, bucket: Pick<BucketRow, 'encryption'>) {
  return {
    $id: row.id,
    bucketId: row.bucketId,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    $permissions: row.permissions,
    name: row.name,
    folder: '',
    key: '',
    signature: row.signature,
    mimeType: row.mimeType,
    sizeOriginal: row.sizeOriginal,
    sizeActual: row.sizeActual,
    chunksTotal: row.chunksTotal,
    chunksUploaded: row.chunksUploaded,
    encryption: bucket.encryption,
    // How this file is stored (Appwrite's per-file algorithm), not the bucket's current setting.
    compression: row.algorithm,
  };
}

/** The statements that read a bucket and one of its files (for a batch of the caller's own). */
export function bucketAndFileStatements(db: D1Database, bucketId: string, fileId: string): D1PreparedStatement[] {
  return [
    db.prepare(`${bucketReader.select} WHERE id = ?`).bind(bucketId),
    db.prepare(`${fileReader.select} WHERE bucket_seq = (SELECT seq FROM buckets WHERE id = ?) AND id = ?`).bind(bucketId, fileId),
  ];
}

export function decodeBucketAndFile([bucket, file]: D1Result[]) {
  const decode = <T>(raw: unknown, reader: { decode(r: Record<string, unknown>): T }) => (raw ? reader.decode(raw as Record<string, unknown>) : null);
  return { bucket: decode(bucket.results[0], bucketReader), file: decode(file.results[0], fileReader) };
}

/** The bucket and one of its files in ONE round trip (the file row is null when missing). */
export async function findBucketAndFile(db: D1Database, bucketId: string, fileId: string) {
  return decodeBucketAndFile(await db.batch(bucketAndFileStatements(db, bucketId, fileId)));
}

export async function findFile(db: D1Database, bucketSeq: number, id: string): Promise<FileRow | null> {
  const raw = await db.prepare(`${fileReader.select} WHERE bucket_seq = ? AND id = ?`).bind(bucketSeq, id).first();
  return raw ? fileReader.decode(raw) : null;
}

export interface NewFile {
  bucket: BucketRow;
  id: string;
  r2Key: string;
  name: string;
  permissions: Permission[];
  mimeType: string;
  sizeOriginal: number;
  sizeActual: number;
  algorithm?: FileRow['algorithm'];
  signature: string;
  chunksTotal: number;
  chunksUploaded: number;
  status: FileRow['status'];
  uploadId: string | null;
}

/**
 * The statements that create a file with its permission rows. With `ifAbsent`, a file of the
 * same id wins silently (concurrent first chunks), and the permission rows follow only the row
 * this statement inserted (matched by its server-generated R2 key). The first statement returns
 * the new row (none when an existing file won): read it with `insertedFile`.
 */
export function insertFileStatements(db: D1Database, f: NewFile, ifAbsent = false): D1PreparedStatement[] {
  const now = nowDate();
  const statements = [
    db
      .prepare(
        `INSERT INTO files (bucket_seq, bucket_id, id, r2_key, name, permissions, mime_type, size_original, size_actual, algorithm, signature, chunks_total, chunks_uploaded, status, upload_id, search, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)${ifAbsent ? ' ON CONFLICT (bucket_seq, id) DO NOTHING' : ''} RETURNING ${fileReader.columns}`,
      )
      .bind(
        f.bucket.seq, f.bucket.id, f.id, f.r2Key, f.name, JSON.stringify(formatPermissions(f.permissions)), f.mimeType, f.sizeOriginal,
        f.sizeActual, f.algorithm ?? 'none', f.signature, f.chunksTotal, f.chunksUploaded, f.status, f.uploadId, `${f.id} ${f.name}`, now, now,
      ),
    permsInsert(db, 'f.bucket_seq = ? AND f.id = ? AND f.r2_key = ?', [f.bucket.seq, f.id, f.r2Key], f.permissions),
  ];
  if (f.status === 'ready') statements.push(addToTotalSize(db, f.bucket.seq, f.sizeOriginal));
  return statements;
}

/** `buckets.total_size` follows the bucket's complete files; each change rides in the file's own batch. */
export function addToTotalSize(db: D1Database, bucketSeq: number, bytes: number): D1PreparedStatement {
  return db.prepare('UPDATE buckets SET total_size = total_size + ? WHERE seq = ?').bind(bytes, bucketSeq);
}

export function insertedFile(results: D1Result[]): FileRow | null {
  const raw = results[0]?.results[0] as Record<string, unknown> | undefined;
  return raw ? fileReader.decode(raw) : null;
}

function permsInsert(db: D1Database, where: string, params: unknown[], perms: Permission[]) {
  return db
    .prepare(`INSERT INTO file_perms (_seq, type, role) SELECT f.seq, json_extract(p.value, '$[0]'), json_extract(p.value, '$[1]') FROM files f, json_each(?) p WHERE ${where}`)
    .bind(permissionRowsJson(perms), ...params);
}

/** Name and permissions, model and side table together. */
export async function updateFileMeta(db: D1Database, file: FileRow, name: string, perms: Permission[]): Promise<FileRow> {
  const [updated] = await db.batch([
    db.prepare(`UPDATE files SET name = ?, permissions = ?, search = ?, updated_at = ? WHERE seq = ? RETURNING *`)
      .bind(name, JSON.stringify(formatPermissions(perms)), `${file.id} ${name}`, nowDate(), file.seq),
    db.prepare('DELETE FROM file_perms WHERE _seq = ?').bind(file.seq),
    permsInsert(db, 'f.seq = ?', [file.seq], perms),
  ]);
  const raw = updated.results[0] as Record<string, unknown> | undefined;
  if (!raw) throw new ApiError('storage_file_not_found');
  return fileReader.decode(raw);
}

/** Deletes the file's rows; returns false when another request deleted it first. */
export async function deleteFileRows(db: D1Database, file: FileRow): Promise<boolean> {
  const [, deleted] = await db.batch([
    // Before the row goes, and only if it is still there: a concurrent delete subtracts nothing.
    db.prepare(`UPDATE buckets SET total_size = total_size - (SELECT size_original FROM files WHERE seq = ?1)
                WHERE seq = ?2 AND EXISTS (SELECT 1 FROM files WHERE seq = ?1 AND status = 'ready')`).bind(file.seq, file.bucketSeq),
    db.prepare('DELETE FROM files WHERE seq = ?').bind(file.seq),
    db.prepare('DELETE FROM file_perms WHERE _seq = ?').bind(file.seq),
    db.prepare('DELETE FROM file_chunks WHERE file_seq = ?').bind(file.seq),
    db.prepare('DELETE FROM file_tokens WHERE bucket_id = ? AND file_id = ?').bind(file.bucketId, file.id),
  ]);
  return (deleted.meta.changes ?? 0) > 0;
}

const FILE_LIST: SystemList = {
  target: systemTarget('files', 'seq', {
    name: ['name', 'text'],
    signature: ['signature', 'text'],
    mimeType: ['mime_type', 'text'],
    sizeOriginal: ['size_original', 'integer'],
    chunksTotal: ['chunks_total', 'integer'],
    chunksUploaded: ['chunks_uploaded', 'integer'],
  }),
  search: 'search',
  noun: 'File',
};

/** A page of the bucket's files the caller may read (`scope` from `readScope`). */
export async function listFiles(db: D1Database, bucket: BucketRow, input: SystemListInput, scope: ReadScope) {
  const conditions = [{ sql: 'bucket_seq = ?', params: [bucket.seq] as unknown[] }];
  if (!scope.all) conditions.push({ sql: scope.sql, params: scope.params });
  const { keys, total } = await runSystemList(db, FILE_LIST, { ...input, scope: conditions });
  if (!keys.length) return { total, rows: [] as FileRow[] };
  const { results } = await db.prepare(`${fileReader.select} WHERE seq IN (SELECT value FROM json_each(?))`).bind(JSON.stringify(keys)).all();
  return { total, rows: inKeyOrder(keys, results.map((r) => fileReader.decode(r as Record<string, unknown>)), (r) => r.seq) };
}
