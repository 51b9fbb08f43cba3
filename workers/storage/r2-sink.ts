/**
 * Where uploaded bytes go as the multipart reader hands them over. Nothing here ever holds more
 * than one 5 MiB chunk: a whole-file upload is put in one R2 `put` when it fits a chunk (compressed
 * first when its bucket says so), and otherwise becomes an R2 multipart upload, a part per 5 MiB; a chunk of a chunked upload is
 * buffered (it is at most 5 MiB) and becomes one part later.
 */
import { ApiError } from '../lib/errors';
import { toHex } from '../lib/crypto';
import type { FileSink } from '../http/multipart';
import { compress, COMPRESS_MAX, type Algorithm } from './compression';
import { assertSize, CHUNK_SIZE } from './upload-rules';

const HEAD = 64;

/** Bytes collected in pieces, joined once. */
class Buffered {
  private pieces: Uint8Array[] = [];
  length = 0;
  push(chunk: Uint8Array) {
    this.pieces.push(chunk);
    this.length += chunk.length;
  }
  /** The first `n` bytes (all by default), removed from the buffer. */
  take(n = this.length): Uint8Array {
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const head = this.pieces[0];
      const want = n - o;
      if (head.length <= want) {
        out.set(head, o);
        o += head.length;
        this.pieces.shift();
      } else {
        out.set(head.subarray(0, want), o);
        this.pieces[0] = head.subarray(want);
        o += want;
      }
    }
    this.length -= n;
    return out;
  }
}

export interface StoredObject {
  /** Bytes as uploaded (`sizeOriginal`). */
  size: number;
  /** Bytes in R2 (`sizeActual`): fewer when compressed. */
  stored: number;
  algorithm: Algorithm;
  /** The MD5 of the bytes as uploaded (R2's ETag when they are stored as sent). */
  etag: string;
  /** The first bytes, for MIME sniffing. */
  head: Uint8Array;
}

/**
 * A whole file of unknown length, streamed to `key`. `limit` is enforced while bytes arrive, so
 * an oversized body stops being read at the limit. `contentType` is read when the object is
 * created (after the first 5 MiB or at the end), so the caller may sniff it from `head` first.
 */
export class WholeFileSink implements FileSink {
  private buffer = new Buffered();
  private upload: R2MultipartUpload | null = null;
  private parts: R2UploadedPart[] = [];
  private head: Uint8Array | null = null;
  size = 0;
  result: StoredObject | null = null;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly key: string,
    private readonly limit: number,
    private readonly contentType: (head: Uint8Array) => string,
    /** The bucket's compression, applied when the whole file fits one put (compression.ts). */
    private readonly algorithm: Algorithm = 'none',
  ) {}

  async write(chunk: Uint8Array) {
    this.size += chunk.length;
    assertSize(this.size, this.limit);
    this.buffer.push(chunk);
    const had = this.head?.length ?? 0;
    if (had < HEAD) {
      const head = new Uint8Array(Math.min(HEAD, had + chunk.length));
      if (this.head) head.set(this.head);
      head.set(chunk.subarray(0, head.length - had), had);
      this.head = head;
    }
    while (this.buffer.length >= CHUNK_SIZE + 1) await this.flushPart(CHUNK_SIZE);
  }

  private async flushPart(n: number) {
    this.upload ??= await this.bucket.createMultipartUpload(this.key, { httpMetadata: { contentType: this.contentType(this.head!) } });
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, this.buffer.take(n)));
  }

  async end() {
    if (this.size === 0) throw new ApiError('storage_file_empty');
    const head = this.head ?? new Uint8Array();
    if (!this.upload) {
      const plain = this.buffer.take();
      const packed = this.algorithm !== 'none' && plain.length <= COMPRESS_MAX ? await compress(this.algorithm, plain) : null;
      const httpMetadata = { contentType: this.contentType(head) };
      if (packed && packed.length < plain.length) {
        const object = await this.bucket.put(this.key, packed, { httpMetadata });
        this.result = { size: plain.length, stored: object.size, algorithm: this.algorithm, etag: toHex(await crypto.subtle.digest('MD5', plain)), head };
        return;
      }
      const object = await this.bucket.put(this.key, plain, { httpMetadata });
      this.result = { size: object.size, stored: object.size, algorithm: 'none', etag: object.etag, head };
      return;
    }
    if (this.buffer.length) await this.flushPart(this.buffer.length);
    const object = await this.upload.complete(this.parts);
    this.upload = null;
    this.result = { size: object.size, stored: object.size, algorithm: 'none', etag: object.etag, head };
  }

  /** Undoes whatever reached R2 (an open multipart upload or the finished object). */
  async discard() {
    if (this.upload) await this.upload.abort().catch(() => {});
    if (this.result) await this.bucket.delete(this.key).catch(() => {});
  }
}

/** One chunk of a chunked upload: exactly `length` bytes, kept in memory (≤ 5 MiB) for its part upload. */
export class ChunkSink implements FileSink {
  private buffer = new Buffered();
  bytes: Uint8Array | null = null;

  constructor(private readonly length: number) {}

  write(chunk: Uint8Array) {
    if (this.buffer.length + chunk.length > this.length) {
      throw new ApiError('storage_invalid_content_range', 'The chunk is larger than its Content-Range declares.');
    }
    this.buffer.push(chunk);
  }

  end() {
    if (this.buffer.length !== this.length) {
      throw new ApiError('storage_invalid_content_range', 'The chunk is smaller than its Content-Range declares.');
    }
    this.bytes = this.buffer.take();
  }
}
