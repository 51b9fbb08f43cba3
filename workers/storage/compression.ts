/**
 * Bucket compression at rest, as Appwrite applies it: a file small enough to be held whole is
 * stored compressed with its bucket's algorithm, and every read (download, view, preview)
 * decompresses it; a `Range` is cut from the decompressed bytes, against `sizeOriginal`, as
 * Appwrite does (it decompresses the whole file and slices it).
 *
 * "Small enough" is Appwrite's rule with Ledge's buffer: Appwrite compresses files up to 20 MB,
 * which it reads into memory; Ledge compresses a file that arrives whole and fits one 5 MiB chunk
 * (the most an upload ever holds). Larger and chunked files are stored as sent, with algorithm
 * `none`, as Appwrite does above its threshold.
 *
 * gzip goes through the runtime's CompressionStream/DecompressionStream. workerd's
 * CompressionStream has no zstd, so zstd uses the runtime's `node:zlib` (nodejs_compat) — no
 * library is bundled. A compressed copy that would not be smaller is not kept (the file is
 * stored as sent, `compression: none`): it would only cost CPU on every read.
 */
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { CHUNK_SIZE } from './upload-rules';

export type Algorithm = 'none' | 'gzip' | 'zstd';

/** The largest file compressed at rest: one upload buffer. */
export const COMPRESS_MAX = CHUNK_SIZE;

export interface ByteWindow {
  offset: number;
  length: number;
}

async function streamThrough(bytes: Uint8Array, transform: TransformStream<BufferSource, Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(transform)).arrayBuffer());
}

/** The bytes as stored with `algorithm`. */
export async function compress(algorithm: Algorithm, bytes: Uint8Array): Promise<Uint8Array> {
  if (algorithm === 'gzip') return streamThrough(bytes, new CompressionStream('gzip'));
  if (algorithm === 'zstd') return new Uint8Array(zstdCompressSync(bytes));
  return bytes;
}

/** Passes on only the bytes in `window` of what flows through. */
function cut(window: ByteWindow): TransformStream<Uint8Array, Uint8Array> {
  let at = 0;
  const end = window.offset + window.length;
  return new TransformStream({
    transform(chunk, out) {
      const from = Math.max(window.offset - at, 0);
      const to = Math.min(end - at, chunk.length);
      if (to > from) out.enqueue(chunk.subarray(from, to));
      at += chunk.length;
    },
  });
}

/**
 * A stored object's body, decompressed and cut to `range`, with its exact length declared (a
 * FixedLengthStream, so the response carries Content-Length and a short body is an error).
 */
export async function plainBody(algorithm: Exclude<Algorithm, 'none'>, object: R2ObjectBody, sizeOriginal: number, range: ByteWindow | null): Promise<ReadableStream> {
  const window = range ?? { offset: 0, length: sizeOriginal };
  let plain: ReadableStream<Uint8Array>;
  if (algorithm === 'gzip') {
    plain = object.body.pipeThrough(new DecompressionStream('gzip'));
  } else {
    // At most COMPRESS_MAX bytes decompressed, by construction of what is stored.
    const bytes = new Uint8Array(zstdDecompressSync(new Uint8Array(await object.arrayBuffer())));
    plain = new Blob([bytes]).stream();
  }
  if (range) plain = plain.pipeThrough(cut(range));
  const fixed = new FixedLengthStream(window.length);
  plain.pipeTo(fixed.writable).catch(() => {});
  return fixed.readable;
}

export interface StoredFile {
  r2Key: string;
  algorithm: Algorithm;
  sizeOriginal: number;
}

/** The file's bytes (a range of them when given) as uploaded; null when R2 has no such object. */
export async function readFileBody(r2: R2Bucket, file: StoredFile, range: ByteWindow | null): Promise<ReadableStream | null> {
  if (file.algorithm === 'none') return (await r2.get(file.r2Key, range ? { range } : {}))?.body ?? null;
  const object = await r2.get(file.r2Key);
  return object ? plainBody(file.algorithm, object, file.sizeOriginal, range) : null;
}
