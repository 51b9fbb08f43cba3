/**
 * Files under Appwrite's container/item rule (lib/permissions-container): a bucket is the
 * container, `fileSecurity` its per-item switch, `file_perms` its side table. This file adapts
 * bucket and file rows to that one rule and keeps Appwrite's order of refusals, which tells a
 * stranger nothing about whether a file exists.
 */
import { ApiError } from '../lib/errors';
import { parsePermissions, type ConcreteAction, type Permission } from '../lib/permissions';
import {
  canAccess, ITEM_PERMISSION_ACTIONS, itemEventRoles, readScope, type Container, type ReadScope,
} from '../lib/permissions-container';
import type { Principal } from '../lib/principal';
import { bucketPermissions, type BucketRow } from './bucket-store';
import { findBucketAndFile, type FileRow } from './file-store';

export const FILE_PERMS_TABLE = 'file_perms';

export function bucketContainer(bucket: BucketRow): Container {
  return { permissions: bucketPermissions(bucket), itemSecurity: bucket.fileSecurity, permsTable: FILE_PERMS_TABLE };
}

export function filePermissions(file: Pick<FileRow, 'permissions'>): Permission[] {
  return parsePermissions(file.permissions, ITEM_PERMISSION_ACTIONS);
}

/** A disabled bucket is as missing as an absent one, except to API keys. */
export function assertUsableBucket(principal: Principal, bucket: BucketRow | null): asserts bucket is BucketRow {
  if (!bucket || (!bucket.enabled && principal.kind !== 'key')) throw new ApiError('storage_bucket_not_found');
}

/**
 * How a list of the bucket's files is narrowed for the caller (`user_unauthorized` without a
 * bucket grant when fileSecurity is off, as Appwrite answers).
 */
export function fileReadScope(principal: Principal, bucket: BucketRow): ReadScope {
  return readScope(principal, bucketContainer(bucket), 'files.seq');
}

/**
 * The bucket and a file the caller may `action`. A file the caller cannot read is
 * `storage_file_not_found`, exactly as a missing one; with fileSecurity off and no bucket grant
 * the answer is `user_unauthorized` whether or not the file exists.
 */
export async function loadFile(db: D1Database, principal: Principal, bucketId: string, fileId: string, action: ConcreteAction = 'read') {
  return checkFileAccess(principal, await findBucketAndFile(db, bucketId, fileId), action);
}

/** `loadFile`'s checks on rows already read (a route that batched them with its caller's check). */
export function checkFileAccess(principal: Principal, rows: { bucket: BucketRow | null; file: FileRow | null }, action: ConcreteAction = 'read') {
  const { bucket, file } = rows;
  assertUsableBucket(principal, bucket);
  const container = bucketContainer(bucket);
  readScope(principal, container, 'files.seq', action === 'read' ? 'read' : action);
  if (!file) throw new ApiError('storage_file_not_found');
  const perms = filePermissions(file);
  if (!canAccess(principal, container, perms, 'read') && !canAccess(principal, container, perms, action)) {
    throw new ApiError('storage_file_not_found');
  }
  if (!canAccess(principal, container, perms, action)) throw new ApiError('user_unauthorized');
  return { bucket, file, container, perms };
}

/** Who may read an event about this file (realtime delivery, function triggers). */
export function fileEventRoles(bucket: BucketRow, file: Pick<FileRow, 'permissions'>): string[] {
  return itemEventRoles(bucketContainer(bucket), filePermissions(file));
}
