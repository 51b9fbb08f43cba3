/**
 * What an upload must satisfy before any byte is kept: Appwrite's 5 MiB chunk grid
 * (`Content-Range`), the bucket's size limit and extensions, the project-wide limit. Pure.
 */
import { ApiError } from '../lib/errors';
import type { BucketRow } from './bucket-store';

// The chunk grid is shared with function deployments.
export { CHUNK_SIZE, parseContentRange, type ChunkRange } from '../lib/content-range';

/** The largest file the bucket takes: its own maximum, capped by the project's STORAGE_LIMIT. */
export function sizeLimit(bucket: Pick<BucketRow, 'maximumFileSize'>, storageLimit: number): number {
  return Math.min(bucket.maximumFileSize, storageLimit);
}

export function assertSize(size: number, limit: number): void {
  if (size > limit) {
    throw new ApiError('storage_invalid_file_size', `File size not allowed: the limit is ${limit} bytes.`);
  }
}

export function fileExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : '';
}

/** An empty `allowedFileExtensions` allows every extension (Appwrite's rule). */
export function assertExtension(bucket: Pick<BucketRow, 'allowedFileExtensions'>, name: string): void {
  const allowed = bucket.allowedFileExtensions.map((e) => e.toLowerCase());
  if (allowed.length && !allowed.includes(fileExtension(name))) throw new ApiError('storage_file_type_unsupported');
}

/** A file name as metadata: control characters dropped, at most 255 characters, never empty. */
export function cleanFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255).trim();
  return clean || 'file';
}
