import { ApiError } from '../lib/errors';
import { uniqueId, resolveId } from '../lib/ids';
import { parseContentRange } from '../lib/content-range';
import { nowDate } from '../lib/time';
import { archiveKey, findDeployment, insertDeployment, type DeploymentRow } from './deployments-store';
import type { FunctionRow } from './store';

/**
 * A deployment's `code` upload, whole or in Appwrite's 5 MiB chunks (lib/content-range). Chunks
 * map one-to-one onto the parts of an R2 multipart upload; their etags are kept in D1, and the
 * chunk whose part makes the count whole claims the completion (one conditional UPDATE), so
 * concurrent chunks complete the archive exactly once. Returns the deployment and whether its
 * archive is now complete (the caller then builds it).
 */

/** Appwrite's _APP_COMPUTE_SIZE_LIMIT default. */
export const MAX_ARCHIVE_BYTES = 30_000_000;

export interface UploadInput {
  fn: FunctionRow;
  file: File;
  contentRange: string | undefined;
  uploadId: string | undefined;
  entrypoint: string;
  commands: string;
  activate: boolean;
  type: string;
}

export async function receiveUpload(env: Env, input: UploadInput): Promise<{ row: DeploymentRow; complete: boolean }> {
  if (!/\.(gz|tgz)$/i.test(input.file.name)) throw new ApiError('storage_file_type_unsupported', 'The code must be a .tar.gz archive.');
  const base = { functionId: input.fn.id, type: input.type, entrypoint: input.entrypoint, commands: input.commands, activate: input.activate };
  if (!input.contentRange) {
    if (input.file.size === 0) throw new ApiError('storage_file_empty');
    if (input.file.size > MAX_ARCHIVE_BYTES) throw new ApiError('deployment_invalid_file_size');
    const id = uniqueId();
    await env.FILES.put(archiveKey(input.fn.id, id), input.file.stream(), { httpMetadata: { contentType: 'application/gzip' } });
    const row = await insertDeployment(env.DB, { ...base, id, sourceSize: input.file.size, chunksTotal: 1, chunksUploaded: 1, uploadId: '' });
    if (!row) throw new ApiError('general_server_error', 'Deployment id collision');
    return { row, complete: true };
  }

  const range = parseContentRange(input.contentRange);
  if (range.length !== input.file.size) throw new ApiError('storage_invalid_content_range');
  if (range.size > MAX_ARCHIVE_BYTES) throw new ApiError('deployment_invalid_file_size');
  const { index, total } = range;
  const id = input.uploadId ? resolveId(input.uploadId, 'x-appwrite-id') : uniqueId();
  const key = archiveKey(input.fn.id, id);
  let row = await findDeployment(env.DB, input.fn.id, id);
  if (!row) {
    if (index !== 1) throw new ApiError('deployment_not_found', 'Send the first chunk of the upload first.');
    const upload = await env.FILES.createMultipartUpload(key, { httpMetadata: { contentType: 'application/gzip' } });
    row = await insertDeployment(env.DB, { ...base, id, sourceSize: range.size, chunksTotal: total, chunksUploaded: 0, uploadId: upload.uploadId });
    if (!row) {
      // Another request created it first: ours is surplus.
      await upload.abort();
      row = await findDeployment(env.DB, input.fn.id, id);
    }
    if (!row) throw new ApiError('deployment_not_found');
  }
  if (row.chunksTotal !== total || row.sourceSize !== range.size) throw new ApiError('storage_invalid_content_range');
  if (row.chunksUploaded >= row.chunksTotal) return { row, complete: false };

  const part = await env.FILES.resumeMultipartUpload(key, row.uploadId).uploadPart(index, await input.file.arrayBuffer());
  const db = env.DB;
  const [, , claimed] = await db.batch<Record<string, unknown>>([
    db.prepare('INSERT OR REPLACE INTO deployment_parts (deployment_id, part, etag) VALUES (?, ?, ?)').bind(id, index, part.etag),
    db.prepare('UPDATE deployments SET chunks_uploaded = (SELECT COUNT(*) FROM deployment_parts WHERE deployment_id = ?1), updated_at = ?2 WHERE id = ?1').bind(id, nowDate()),
    db.prepare("UPDATE deployments SET upload_id = '' WHERE id = ? AND upload_id = ? AND chunks_uploaded = chunks_total RETURNING id").bind(id, row.uploadId),
  ]);
  const current = (await findDeployment(env.DB, input.fn.id, id)) ?? row;
  if (!claimed.results.length) return { row: current, complete: false };
  const { results: parts } = await db.prepare('SELECT part, etag FROM deployment_parts WHERE deployment_id = ? ORDER BY part').bind(id).all<{ part: number; etag: string }>();
  await env.FILES.resumeMultipartUpload(key, row.uploadId).complete(parts.map((p) => ({ partNumber: p.part, etag: p.etag })));
  await db.prepare('DELETE FROM deployment_parts WHERE deployment_id = ?').bind(id).run();
  return { row: current, complete: true };
}
