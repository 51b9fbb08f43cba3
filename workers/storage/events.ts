/**
 * Storage events, published after the write commits: `buckets.<b>.files.<f>.<action>` with the
 * roles that may read the file (from the one evaluator, so realtime and triggers never leak it),
 * and `buckets.<b>.<action>`, which carries no read roles (buckets are API-key business).
 */
import { jsonSafe, makeEvent, type LedgeEvent } from '../events/event';
import type { Principal } from '../lib/principal';
import { bucketModel, type BucketRow } from './bucket-store';
import { fileEventRoles } from './file-access';
import { fileModel, type FileRow } from './file-store';

export type StorageAction = 'create' | 'update' | 'delete';

export function fileEvent(bucket: BucketRow, file: FileRow, action: StorageAction, principal: Principal): LedgeEvent {
  return makeEvent(
    [`buckets.${bucket.id}.files.${file.id}.${action}`],
    jsonSafe(fileModel(file, bucket)),
    fileEventRoles(bucket, file),
    principal.kind === 'user' ? principal.userId : undefined,
  );
}

export function bucketEvent(bucket: BucketRow, action: StorageAction): LedgeEvent {
  return makeEvent([`buckets.${bucket.id}.${action}`], jsonSafe(bucketModel(bucket)), []);
}
