/**
 * Appwrite's chunked upload protocol, shared by file uploads (workers/storage) and function
 * deployments (workers/functions): the SDKs send anything over 5 MiB in 5 MiB chunks, each with
 * `Content-Range: bytes <start>-<end>/<size>`, the first chunk alone, the rest up to eight at a
 * time with `X-Appwrite-ID` naming the upload. Pure: the header and the chunk grid, no storage.
 */
import { ApiError } from './errors';

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
