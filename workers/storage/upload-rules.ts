/**
 * What an upload must satisfy before any byte is kept: Appwrite's 5 MiB chunk grid
 * (`Content-Range`), the bucket's size limit and extensions, the project-wide limit. Pure.
 */
import { ApiError } from '../lib/errors';
import type { BucketRow } from './bucket-store';

/** Appwrite's chunk size; each chunk is one R2 multipart part (R2's minimum part size, too). */
export const CHUNK_SIZE = 5 * 1024 * 1024;

export interface ChunkRange {
  start: number;
  end: number;
  size: number;
  /** 1-based, Appwrite's `floor(start / chunkSize) + 1`: the R2 part number. */
  index: number;
  total: number;
  /** Bytes this chunk must carry. */
  length: number;
}

const RANGE = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/;

/**
 * A chunk's `Content-Range`, which must sit on the SDKs' grid: it starts at a multiple of 5 MiB
 * and runs to the end of that chunk (or of the file). Anything else — malformed, past the end,
 * overlapping two chunks — is `storage_invalid_content_range`.
 */
export function parseContentRange(header: string): ChunkRange {
  const m = RANGE.exec(header.trim());
  if (!m) throw new ApiError('storage_invalid_content_range');
  const [start, end, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (size <= 0 || start > end || end >= size || start % CHUNK_SIZE !== 0 || end !== Math.min(start + CHUNK_SIZE, size) - 1) {
    throw new ApiError('storage_invalid_content_range');
  }
  return { start, end, size, index: start / CHUNK_SIZE + 1, total: Math.ceil(size / CHUNK_SIZE), length: end - start + 1 };
}

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
