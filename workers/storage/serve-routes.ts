/**
 * `…/files/{f}/download`, `/view`, `/preview`: URL methods, so they authenticate as an `<img src>`
 * can — the session cookie with `?project=`, or a file token (`?token=`) — as well as by header.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { requireScope } from '../middleware/principal';
import { ApiError } from '../lib/errors';
import { batchWithPrincipal } from '../identity/batch';
import { assertUsableBucket, checkFileAccess } from './file-access';
import { readFileBody } from './compression';
import { bucketAndFileStatements, decodeBucketAndFile } from './file-store';
import { tokenGrants, touchToken } from './file-tokens';
import { parsePreviewParams } from './preview-options';
import { servePreview } from './preview';
import { serveBytes, type Disposition } from './serve';

/**
 * The file, to a caller holding a token for it or allowed to read it. These routes are deferred
 * (app.ts): the caller's session check and the bucket/file reads go to D1 in ONE batch.
 */
export async function readableFile(c: Context<AppEnv>) {
  const bucketId = c.req.param('bucketId')!;
  const fileId = c.req.param('fileId')!;
  // Also checks the scope the route required, once the caller is known.
  const { principal, results } = await batchWithPrincipal(c, bucketAndFileStatements(c.env.DB, bucketId, fileId));
  const rows = decodeBucketAndFile(results);
  const token = c.req.query('token');
  if (token) {
    const tokenId = await tokenGrants(c.env, token, bucketId, fileId);
    if (tokenId) {
      assertUsableBucket(principal, rows.bucket);
      if (!rows.file) throw new ApiError('storage_file_not_found');
      c.executionCtx.waitUntil(touchToken(c.env.DB, tokenId).catch(() => {}));
      return { bucket: rows.bucket, file: rows.file };
    }
  }
  return checkFileAccess(principal, rows);
}

function sendFile(kind: Disposition) {
  return async (c: Context<AppEnv>) => {
    const { file } = await readableFile(c);
    if (file.status !== 'ready') throw new ApiError('storage_file_not_found');
    return serveBytes({
      kind, name: file.name, mimeType: file.mimeType, size: file.sizeOriginal, etag: `"${file.signature}"`,
      cacheControl: 'private, max-age=3600', request: c.req.raw,
      read: (range) => readFileBody(c.env.FILES, file, range),
    });
  };
}

/** Routes app.ts defers (`DEFERRED_ROUTES`): the caller is resolved in the handler's first batch. */
export const DEFERRED_STORAGE_READS = [{ method: 'GET', path: /^\/v1\/storage\/buckets\/[^/]+\/files\/[^/]+\/(download|view|preview)$/ }];

export const serveRoutes = new Hono<AppEnv>()
  .get('/:bucketId/files/:fileId/download', requireScope('files.read'), sendFile('attachment'))
  .get('/:bucketId/files/:fileId/view', requireScope('files.read'), sendFile('inline'))
  .get('/:bucketId/files/:fileId/preview', requireScope('files.read'), async (c) => {
    const { bucket, file } = await readableFile(c);
    const params = parsePreviewParams(c.req.query());
    return servePreview(
      { env: c.env, config: c.get('config'), request: c.req.raw, waitUntil: (p) => c.executionCtx.waitUntil(p), isKey: c.get('principal').kind === 'key' },
      bucket, file, params,
    );
  });
