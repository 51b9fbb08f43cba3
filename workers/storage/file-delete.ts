/**
 * Removing files and buckets: D1 first (so no one is served a file being removed), then R2 in the
 * same request — the object, its stored previews, and an unfinished multipart upload.
 */
import type { BucketRow } from './bucket-store';
import { deleteFileRows, type FileRow } from './file-store';

/** Stored previews of a file live under `<file key>/previews/`, so one prefix removes them all. */
export const renditionPrefix = (file: Pick<FileRow, 'r2Key'>) => `${file.r2Key}/previews/`;

/** Deletes every object under `prefix`, a listing page (≤ 1000 keys) at a time. */
export async function deletePrefix(r2: R2Bucket, prefix: string): Promise<number> {
  let removed = 0;
  let cursor: string | undefined;
  do {
    const page = await r2.list({ prefix, cursor, limit: 1000 });
    if (page.objects.length) await r2.delete(page.objects.map((o) => o.key));
    removed += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return removed;
}

async function removeObjects(r2: R2Bucket, file: Pick<FileRow, 'r2Key' | 'uploadId'>) {
  if (file.uploadId) await r2.resumeMultipartUpload(file.r2Key, file.uploadId).abort().catch(() => {});
  await r2.delete(file.r2Key);
  await deletePrefix(r2, renditionPrefix(file));
}

/** Returns false when the file was already gone (a concurrent delete). */
export async function deleteFile(env: Env, file: FileRow): Promise<boolean> {
  if (!(await deleteFileRows(env.DB, file))) return false;
  await removeObjects(env.FILES, file);
  return true;
}

/** The bucket row, its files' rows and every object under the bucket's prefix. */
export async function deleteBucketContents(env: Env, bucket: BucketRow): Promise<void> {
  const { results: open } = await env.DB.prepare('SELECT r2_key AS r2Key, upload_id AS uploadId FROM files WHERE bucket_seq = ? AND upload_id IS NOT NULL')
    .bind(bucket.seq)
    .all<{ r2Key: string; uploadId: string }>();
  await env.DB.batch([
    env.DB.prepare('DELETE FROM file_perms WHERE _seq IN (SELECT seq FROM files WHERE bucket_seq = ?)').bind(bucket.seq),
    env.DB.prepare('DELETE FROM file_chunks WHERE file_seq IN (SELECT seq FROM files WHERE bucket_seq = ?)').bind(bucket.seq),
    env.DB.prepare('DELETE FROM files WHERE bucket_seq = ?').bind(bucket.seq),
    env.DB.prepare('DELETE FROM file_tokens WHERE bucket_id = ?').bind(bucket.id),
    env.DB.prepare('DELETE FROM buckets WHERE seq = ?').bind(bucket.seq),
  ]);
  for (const f of open) await env.FILES.resumeMultipartUpload(f.r2Key, f.uploadId).abort().catch(() => {});
  await deletePrefix(env.FILES, `${bucket.seq}/`);
}
