/**
 * `/v1/storage/buckets`: bucket admin, API keys with `buckets.read`/`buckets.write`. Settings
 * Ledge cannot act on (antivirus; encryption, which R2 does at rest) are stored and reported.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { publishAfterCommit } from '../events/publish';
import { query, readBody } from '../http/body';
import { requireScope } from '../middleware/principal';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { formatPermissions } from '../lib/permissions';
import { listParams } from '../lib/validator';
import {
  bucketModel, bucketPermissions, COMPRESSIONS, createBucket, getBucket, listBuckets, updateBucket,
  type BucketRow, type BucketSettings,
} from './bucket-store';
import { bucketEvent } from './events';
import { deleteBucketContents } from './file-delete';

const settingsInput = z.object({
  name: z.string().min(1).max(128),
  permissions: z.array(z.string()).max(100).nullish(),
  fileSecurity: z.boolean().nullish(),
  enabled: z.boolean().nullish(),
  maximumFileSize: z.number().int().min(1).nullish(),
  allowedFileExtensions: z.array(z.string().max(64)).max(100).nullish(),
  compression: z.enum(COMPRESSIONS).nullish(),
  encryption: z.boolean().nullish(),
  antivirus: z.boolean().nullish(),
  transformations: z.boolean().nullish(),
});

/**
 * Appwrite's defaults apply to every setting not sent, on update as on create, except
 * permissions, which an update keeps when none are sent.
 */
function settings(c: Context<AppEnv>, input: z.output<typeof settingsInput>, current?: BucketRow): BucketSettings {
  const limit = c.get('config').storageLimit;
  if (input.maximumFileSize != null && input.maximumFileSize > limit) {
    throw new ApiError('general_argument_invalid', `Invalid \`maximumFileSize\` param: Value must be a valid range between 1 and ${limit}`);
  }
  const permissions = input.permissions ?? current?.permissions ?? [];
  return {
    name: input.name,
    // Validated (and `write` expanded) once here, stored as Appwrite's strings.
    permissions: formatPermissions(bucketPermissions({ permissions })),
    fileSecurity: input.fileSecurity ?? false,
    enabled: input.enabled ?? true,
    maximumFileSize: input.maximumFileSize ?? limit,
    allowedFileExtensions: [...new Set((input.allowedFileExtensions ?? []).map((e) => e.replace(/^\./, '').toLowerCase()).filter(Boolean))],
    compression: input.compression ?? 'none',
    encryption: input.encryption ?? true,
    antivirus: input.antivirus ?? true,
    transformations: input.transformations ?? true,
  };
}

export const bucketRoutes = new Hono<AppEnv>()
  .get('/', requireScope('buckets.read'), query(listParams), async (c) => {
    const { total, rows } = await listBuckets(c.env.DB, c.req.valid('query'));
    return c.json({ total, buckets: rows.map(bucketModel) });
  })
  .post('/', requireScope('buckets.write'), async (c) => {
    const input = await readBody(c, settingsInput.extend({ bucketId: z.string() }));
    const bucket = await createBucket(c.env.DB, resolveId(input.bucketId, 'bucketId'), settings(c, input));
    publishAfterCommit(c, [bucketEvent(bucket, 'create')]);
    return c.json(bucketModel(bucket), 201);
  })
  .get('/:bucketId', requireScope('buckets.read'), async (c) => c.json(bucketModel(await getBucket(c.env.DB, c.req.param('bucketId')))))
  .put('/:bucketId', requireScope('buckets.write'), async (c) => {
    const input = await readBody(c, settingsInput);
    const current = await getBucket(c.env.DB, c.req.param('bucketId'));
    const bucket = await updateBucket(c.env.DB, current, settings(c, input, current));
    publishAfterCommit(c, [bucketEvent(bucket, 'update')]);
    return c.json(bucketModel(bucket));
  })
  .delete('/:bucketId', requireScope('buckets.write'), async (c) => {
    const bucket = await getBucket(c.env.DB, c.req.param('bucketId'));
    await deleteBucketContents(c.env, bucket);
    publishAfterCommit(c, [bucketEvent(bucket, 'delete')]);
    return c.body(null, 204);
  });
