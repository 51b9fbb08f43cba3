import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asRoot, call, okJson } from '../../test/helpers';
import { crc32, makePng } from '../../test/png';
import { toHex } from '../lib/crypto';
import { bucketSeq, CHUNK, makeBucket, r2Keys, randomBytes, sha256, upload } from './testing/fixtures';

const key = { key: env.ROOT_API_KEY };
const path = (b: string, f: string, tail: string) => `/v1/storage/buckets/${b}/files/${f}/${tail}`;
type FileJson = { $id: string; sizeOriginal: number; sizeActual: number; compression: string; signature: string; mimeType: string };

/** Text that compresses well but is not trivial: numbered lines. */
function text(n: number): Uint8Array {
  const lines: string[] = [];
  for (let i = 0, len = 0; len < n; i++) {
    const line = `line ${i}: the quick brown fox jumps over the lazy dog ${i % 97}\n`;
    lines.push(line);
    len += line.length;
  }
  return new TextEncoder().encode(lines.join('').slice(0, n));
}

async function storedObject(bucketId: string): Promise<Uint8Array> {
  const keys = (await r2Keys(`${await bucketSeq(bucketId)}/`)).filter((k) => !k.includes('/previews/'));
  expect(keys).toHaveLength(1);
  return new Uint8Array(await (await env.FILES.get(keys[0]))!.arrayBuffer());
}

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

describe('bucket compression at rest', () => {
  for (const [algorithm, magic] of [['gzip', GZIP_MAGIC], ['zstd', ZSTD_MAGIC]] as const) {
    it(`${algorithm}: stores the file compressed and serves it decompressed, ranges cut from the original bytes`, async () => {
      const bucket = await makeBucket({ permissions: ['read("any")'], compression: algorithm });
      const bytes = text(200_000);
      const file = await okJson<FileJson>(await upload(bucket.$id, { fileId: 'doc', file: { bytes, name: 'doc.txt', type: 'text/plain' } }, key), 201);
      expect(file).toMatchObject({ compression: algorithm, sizeOriginal: 200_000, mimeType: 'text/plain' });
      expect(file.sizeActual).toBeLessThan(50_000);
      // The signature is the MD5 of what was uploaded, as for an uncompressed file.
      expect(file.signature).toBe(toHex(await crypto.subtle.digest('MD5', bytes)));
      const stored = await storedObject(bucket.$id);
      expect([...stored.subarray(0, magic.length)]).toEqual(magic);
      expect(stored.length).toBe(file.sizeActual);

      for (const tail of ['download', 'view']) {
        const res = await call(path(bucket.$id, 'doc', tail));
        expect(res.status).toBe(200);
        expect(res.headers.get('Content-Length')).toBe('200000');
        expect(res.headers.get('Content-Type')).toBe('text/plain');
        expect(await sha256(await res.arrayBuffer())).toBe(await sha256(bytes));
      }
      // Ranges anywhere, including across the decompressor's chunk boundaries and at the end.
      for (const [range, from, to] of [['bytes=0-9', 0, 10], ['bytes=65530-70009', 65530, 70010], ['bytes=199990-', 199990, 200_000], ['bytes=-7', 199_993, 200_000]] as const) {
        const part = await call(path(bucket.$id, 'doc', 'download'), { headers: { Range: range } });
        expect(part.status, range).toBe(206);
        expect(part.headers.get('Content-Length')).toBe(String(to - from));
        expect(part.headers.get('Content-Range')).toBe(`bytes ${from}-${to - 1}/200000`);
        expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(from, to));
      }
      expect((await call(path(bucket.$id, 'doc', 'download'), { headers: { Range: 'bytes=200000-' } })).status).toBe(416);
      expect((await call(path(bucket.$id, 'doc', 'download'), { headers: { 'If-None-Match': `"${file.signature}"` } })).status).toBe(304);
    });
  }

  it('keeps files it cannot shrink and files over one chunk as sent (compression: none)', async () => {
    const bucket = await makeBucket({ permissions: ['read("any")'], compression: 'gzip' });
    const noise = randomBytes(10_000);
    const random = await okJson<FileJson>(await upload(bucket.$id, { fileId: 'noise', file: { bytes: noise, name: 'noise.bin' } }, key), 201);
    expect(random).toMatchObject({ compression: 'none', sizeOriginal: 10_000, sizeActual: 10_000 });
    // One byte over a chunk: streamed to an R2 multipart upload, never held whole, so not compressed.
    const big = text(CHUNK + 1);
    const large = await okJson<FileJson>(await upload(bucket.$id, { fileId: 'large', file: { bytes: big, name: 'large.txt' } }, key), 201);
    expect(large).toMatchObject({ compression: 'none', sizeOriginal: CHUNK + 1, sizeActual: CHUNK + 1 });
    const res = await call(path(bucket.$id, 'large', 'download'));
    expect(await sha256(await res.arrayBuffer())).toBe(await sha256(big));
  });

  it('a file keeps the algorithm it was stored with when the bucket changes its setting', async () => {
    const bucket = await makeBucket({ name: 'B', permissions: ['read("any")'], compression: 'gzip' });
    const bytes = text(30_000);
    await okJson(await upload(bucket.$id, { fileId: 'before', file: { bytes, name: 'a.txt' } }, key), 201);
    await okJson(await asRoot(`/v1/storage/buckets/${bucket.$id}`, { method: 'PUT', json: { name: 'B', permissions: ['read("any")'], compression: 'none' } }));
    await okJson(await upload(bucket.$id, { fileId: 'after', file: { bytes, name: 'b.txt' } }, key), 201);
    const list = await okJson<{ files: FileJson[] }>(await asRoot(`/v1/storage/buckets/${bucket.$id}/files`));
    expect(Object.fromEntries(list.files.map((f) => [f.$id, f.compression]))).toEqual({ before: 'gzip', after: 'none' });
    for (const id of ['before', 'after']) expect(await sha256(await (await call(path(bucket.$id, id, 'download'))).arrayBuffer())).toBe(await sha256(bytes));
  });

  it('previews an image stored compressed', async () => {
    const bucket = await makeBucket({ permissions: ['read("any")'], compression: 'gzip' });
    // A PNG carrying a large, repetitive text chunk, so gzip shrinks it and it is stored compressed.
    const png = await makePng(64, 32);
    const body = new TextEncoder().encode(`Comment\0${'ledge '.repeat(4000)}`);
    const textChunk = new Uint8Array(12 + body.length);
    const view = new DataView(textChunk.buffer);
    view.setUint32(0, body.length);
    textChunk.set(new TextEncoder().encode('tEXt'), 4);
    textChunk.set(body, 8);
    view.setUint32(8 + body.length, crc32(textChunk.subarray(4, 8 + body.length)));
    const iend = png.length - 12;
    const bytes = new Uint8Array([...png.subarray(0, iend), ...textChunk, ...png.subarray(iend)]);
    const file = await okJson<FileJson>(await upload(bucket.$id, { fileId: 'pic', file: { bytes, name: 'pic.png' } }, key), 201);
    expect(file).toMatchObject({ compression: 'gzip', mimeType: 'image/png' });
    const res = await call(`${path(bucket.$id, 'pic', 'preview')}?width=16&output=webp`);
    expect(res.status).toBe(200);
    expect(await env.IMAGES.info(new Blob([await res.arrayBuffer()]).stream())).toMatchObject({ format: 'image/webp', width: 16, height: 8 });
  });
});
