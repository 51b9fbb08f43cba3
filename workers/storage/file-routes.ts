/**
 * `/v1/storage/buckets/{b}/files`: create (upload.ts), list, get, update, delete; download, view
 * and preview are in serve-routes.ts. Sessions, guests and keys with `files.read`/`files.write`
 * alike; the bucket/file permission rule decides the rest (file-access.ts).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { publishAfterCommit } from '../events/publish';
import { query, readBody } from '../http/body';
import { requireScope } from '../middleware/principal';
import { ApiError } from '../lib/errors';
import { resolveItemPermissions } from '../lib/permissions-container';
import { listParams } from '../lib/validator';
import { findBucket } from './bucket-store';
import { fileEvent } from './events';
import { assertUsableBucket, fileReadScope, loadFile } from './file-access';
import { deleteFile } from './file-delete';
import { fileModel, listFiles, updateFileMeta } from './file-store';
import { createFile } from './upload';
import { cleanFileName } from './upload-rules';

export const fileRoutes = new Hono<AppEnv>()
  .get('/:bucketId/files', requireScope('files.read'), query(listParams), async (c) => {
    const principal = c.get('principal');
    const bucket = await findBucket(c.env.DB, c.req.param('bucketId'));
    assertUsableBucket(principal, bucket);
    const { total, rows } = await listFiles(c.env.DB, bucket, c.req.valid('query'), fileReadScope(principal, bucket));
    return c.json({ total, files: rows.map((r) => fileModel(r, bucket)) });
  })
  .post('/:bucketId/files', requireScope('files.write'), createFile)
  .get('/:bucketId/files/:fileId', requireScope('files.read'), async (c) => {
    const { bucket, file } = await loadFile(c.env.DB, c.get('principal'), c.req.param('bucketId'), c.req.param('fileId'));
    return c.json(fileModel(file, bucket));
  })
  .put('/:bucketId/files/:fileId', requireScope('files.write'), async (c) => {
    const input = await readBody(c, z.object({ name: z.string().max(255).nullish(), permissions: z.array(z.string()).max(100).nullish() }));
    const principal = c.get('principal');
    const { bucket, file, perms } = await loadFile(c.env.DB, principal, c.req.param('bucketId'), c.req.param('fileId'), 'update');
    const permissions = resolveItemPermissions(principal, input.permissions, perms);
    const updated = await updateFileMeta(c.env.DB, file, input.name == null ? file.name : cleanFileName(input.name), permissions);
    publishAfterCommit(c, [fileEvent(bucket, updated, 'update', principal)]);
    return c.json(fileModel(updated, bucket));
  })
  .delete('/:bucketId/files/:fileId', requireScope('files.write'), async (c) => {
    const principal = c.get('principal');
    const { bucket, file } = await loadFile(c.env.DB, principal, c.req.param('bucketId'), c.req.param('fileId'), 'delete');
    if (!(await deleteFile(c.env, file))) throw new ApiError('storage_file_not_found');
    publishAfterCommit(c, [fileEvent(bucket, file, 'delete', principal)]);
    return c.body(null, 204);
  });
