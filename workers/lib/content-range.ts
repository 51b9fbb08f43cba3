/**
 * Appwrite's chunked upload protocol (files and function deployments): the SDKs send anything over
 * 5 MiB in 5 MiB chunks, each with `Content-Range: bytes <start>-<end>/<size>`, the first chunk
 * alone, the rest up to eight at a time with `X-Appwrite-ID` naming the upload. Pure: parsing and
 * the chunk arithmetic of Appwrite's Create routes, no storage.
 */
export const UPLOAD_CHUNK_SIZE = 5 * 1024 * 1024;

export interface ContentRange {
  start: number;
  end: number;
  size: number;
}

/** `bytes <start>-<end>/<size>`, or null when the header is not that (or is inconsistent). */
export function parseContentRange(header: string | undefined | null): ContentRange | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec((header ?? '').trim());
  if (!m) return null;
  const [start, end, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!Number.isSafeInteger(size) || start > end || end >= size) return null;
  return { start, end, size };
}

/** Which chunk (1-based) a range is, and how many chunks the whole upload has. */
export function chunkOf(range: ContentRange, chunkSize = UPLOAD_CHUNK_SIZE): { index: number; total: number } {
  return { index: Math.floor(range.start / chunkSize) + 1, total: Math.ceil(range.size / chunkSize) };
}

/** A chunk starts on a chunk boundary and is a whole chunk, or the rest of the upload. */
export function isWholeChunk(range: ContentRange, bytes: number, chunkSize = UPLOAD_CHUNK_SIZE): boolean {
  if (range.start % chunkSize !== 0 || range.end - range.start + 1 !== bytes) return false;
  return bytes === chunkSize || range.end === range.size - 1;
}
