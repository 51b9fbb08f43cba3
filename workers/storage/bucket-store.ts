import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { buckets } from '../db/schema';
import { rawReader, uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { parsePermissions, type Permission } from '../lib/permissions';
import { loadInKeyOrder, runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';
import { nowDate } from '../lib/time';

/**
 * Buckets in D1 (API keys only). A bucket is the permission container of its files; its
 * `permissions` are stored as Appwrite's strings and parsed once per request.
 */
export type BucketRow = typeof buckets.$inferSelect;

export const bucketReader = rawReader(buckets);

/** What a bucket's permissions may name: `create` lets callers upload into it. */
export const BUCKET_PERMISSION_ACTIONS = ['read', 'create', 'update', 'delete'] as const;

export const COMPRESSIONS = ['none', 'gzip', 'zstd'] as const;

export interface BucketSettings {
  name: string;
  permissions: string[];
  fileSecurity: boolean;
  enabled: boolean;
  maximumFileSize: number;
  allowedFileExtensions: string[];
  compression: (typeof COMPRESSIONS)[number];
  encryption: boolean;
  antivirus: boolean;
  transformations: boolean;
}

export function bucketModel(row: BucketRow) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    $permissions: row.permissions,
    fileSecurity: row.fileSecurity,
    name: row.name,
    enabled: row.enabled,
    maximumFileSize: row.maximumFileSize,
    allowedFileExtensions: row.allowedFileExtensions,
    compression: row.compression,
    encryption: row.encryption,
    antivirus: row.antivirus,
    transformations: row.transformations,
    totalSize: row.totalSize,
  };
}

export function bucketPermissions(row: Pick<BucketRow, 'permissions'>): Permission[] {
  return parsePermissions(row.permissions, BUCKET_PERMISSION_ACTIONS);
}

export async function findBucket(db: D1Database, id: string): Promise<BucketRow | null> {
  return (await drizzle(db).select().from(buckets).where(eq(buckets.id, id)).limit(1))[0] ?? null;
}

export async function getBucket(db: D1Database, id: string): Promise<BucketRow> {
  const row = await findBucket(db, id);
  if (!row) throw new ApiError('storage_bucket_not_found');
  return row;
}

const searchText = (id: string, name: string) => `${id} ${name}`;

export async function createBucket(db: D1Database, id: string, settings: BucketSettings): Promise<BucketRow> {
  const now = nowDate();
  try {
    const [row] = await drizzle(db)
      .insert(buckets)
      .values({ id, ...settings, search: searchText(id, settings.name), createdAt: now, updatedAt: now })
      .returning();
    return row;
  } catch (err) {
    if (uniqueViolationText(err) !== null) throw new ApiError('storage_bucket_already_exists');
    throw err;
  }
}

export async function updateBucket(db: D1Database, row: BucketRow, settings: BucketSettings): Promise<BucketRow> {
  const [updated] = await drizzle(db)
    .update(buckets)
    .set({ ...settings, search: searchText(row.id, settings.name), updatedAt: nowDate() })
    .where(eq(buckets.seq, row.seq))
    .returning();
  if (!updated) throw new ApiError('storage_bucket_not_found');
  return updated;
}

const BUCKET_LIST: SystemList = {
  target: systemTarget('buckets', 'seq', {
    name: ['name', 'text'],
    enabled: ['enabled', 'boolean'],
    fileSecurity: ['file_security', 'boolean'],
    maximumFileSize: ['maximum_file_size', 'integer'],
    encryption: ['encryption', 'boolean'],
    antivirus: ['antivirus', 'boolean'],
    transformations: ['transformations', 'boolean'],
    compression: ['compression', 'text'],
  }),
  search: 'search',
  noun: 'Bucket',
};

export async function listBuckets(db: D1Database, input: SystemListInput): Promise<{ total: number; rows: BucketRow[] }> {
  const { keys, total } = await runSystemList(db, BUCKET_LIST, input);
  const rows = await loadInKeyOrder(keys, buckets.seq, (where) => drizzle(db).select().from(buckets).where(where), (r) => r.seq);
  return { total, rows };
}
