/**
 * Chunked uploads: up to 8 chunks of one file arrive at once, each uploaded as its own R2
 * multipart part and then recorded in ONE D1 batch that (1) upserts the part's row, (2) recounts
 * `chunks_uploaded` from the part rows, and (3) claims completion when the count reaches
 * `chunks_total`. D1 runs a batch as one transaction and serialises writes, so the count never
 * loses an update, a re-sent chunk only replaces its own row, and exactly one request sees its
 * claim succeed; that request alone completes the R2 multipart upload.
 */
import { nowDate, toAppwriteDate } from '../lib/time';
import { addToTotalSize, fileReader, type FileRow } from './file-store';

/** A claim older than this is taken over (the claimant died between claim and completion). */
export const COMPLETION_LEASE_MS = 60_000;

export async function recordChunk(db: D1Database, file: FileRow, part: R2UploadedPart, size: number): Promise<{ row: FileRow | null; claimed: boolean }> {
  const now = nowDate();
  const results = await db.batch([
    db
      .prepare(
        `INSERT INTO file_chunks (file_seq, part, etag, size) SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM files WHERE seq = ?1 AND status != 'ready')
         ON CONFLICT (file_seq, part) DO UPDATE SET etag = excluded.etag, size = excluded.size`,
      )
      .bind(file.seq, part.partNumber, part.etag, size),
    db
      .prepare(`UPDATE files SET chunks_uploaded = (SELECT count(*) FROM file_chunks WHERE file_seq = ?1), updated_at = ?2 WHERE seq = ?1 AND status != 'ready'`)
      .bind(file.seq, now),
    db
      .prepare(
        `UPDATE files SET status = 'completing', completing_at = ?2 WHERE seq = ?1 AND chunks_uploaded = chunks_total
         AND (status = 'uploading' OR (status = 'completing' AND completing_at < ?3)) RETURNING seq`,
      )
      .bind(file.seq, now, toAppwriteDate(Date.now() - COMPLETION_LEASE_MS)),
    db.prepare(`${fileReader.select} WHERE seq = ?`).bind(file.seq),
  ]);
  const raw = results[3].results[0] as Record<string, unknown> | undefined;
  return { row: raw ? fileReader.decode(raw) : null, claimed: results[2].results.length === 1 };
}

/**
 * Completes the R2 multipart upload from the recorded parts and marks the file ready. Called
 * only by the request whose claim succeeded; on failure the claim is released so a re-sent
 * chunk can try again.
 */
export async function completeUpload(env: Env, file: FileRow): Promise<FileRow> {
  try {
    const { results: parts } = await env.DB.prepare('SELECT part AS partNumber, etag FROM file_chunks WHERE file_seq = ? ORDER BY part')
      .bind(file.seq)
      .all<R2UploadedPart>();
    const object = await env.FILES.resumeMultipartUpload(file.r2Key, file.uploadId!).complete(parts);
    const [done] = await env.DB.batch([
      env.DB.prepare(
        `UPDATE files SET status = 'ready', upload_id = NULL, completing_at = NULL, size_actual = ?, signature = ?, updated_at = ? WHERE seq = ? RETURNING *`,
      ).bind(object.size, object.etag, nowDate(), file.seq),
      env.DB.prepare('DELETE FROM file_chunks WHERE file_seq = ?').bind(file.seq),
      // Only the request that claimed completion gets here, once per file.
      addToTotalSize(env.DB, file.bucketSeq, file.sizeOriginal),
    ]);
    return fileReader.decode(done.results[0] as Record<string, unknown>);
  } catch (err) {
    await env.DB.prepare(`UPDATE files SET status = 'uploading', completing_at = NULL WHERE seq = ? AND status = 'completing'`).bind(file.seq).run();
    throw err;
  }
}

/**
 * What a chunk's response reports: until the file is assembled, never `chunksUploaded ≥
 * chunksTotal`, since the SDKs stop at the first response that says so and would otherwise go on
 * before the completing request has finished.
 */
export function reportedChunks(row: FileRow): FileRow {
  return row.status === 'ready' ? row : { ...row, chunksUploaded: Math.min(row.chunksUploaded, row.chunksTotal - 1) };
}

/**
 * Cron: uploads untouched for `maxAgeMs` (24 h) are abandoned — their R2 multipart upload is
 * aborted and their rows removed. A bounded number per run keeps one run short.
 */
export async function abortAbandonedUploads(env: Env, now = Date.now(), maxAgeMs = 86_400_000, max = 100): Promise<number> {
  const { results } = await env.DB.prepare(
    `SELECT seq, r2_key AS r2Key, upload_id AS uploadId FROM files WHERE status != 'ready' AND updated_at <= ? ORDER BY updated_at LIMIT ?`,
  )
    .bind(toAppwriteDate(now - maxAgeMs), max)
    .all<{ seq: number; r2Key: string; uploadId: string | null }>();
  for (const f of results) {
    if (f.uploadId) await env.FILES.resumeMultipartUpload(f.r2Key, f.uploadId).abort().catch(() => {});
    await env.FILES.delete(f.r2Key);
    await env.DB.batch([
      env.DB.prepare('DELETE FROM files WHERE seq = ?').bind(f.seq),
      env.DB.prepare('DELETE FROM file_perms WHERE _seq = ?').bind(f.seq),
      env.DB.prepare('DELETE FROM file_chunks WHERE file_seq = ?').bind(f.seq),
    ]);
  }
  return results.length;
}
