/**
 * Storage key traversal: no bucket id, file id, upload id or file name reaches an R2 key. Hostile
 * ids (`../x`, `%2e%2e`, NUL, 37 characters, homoglyphs) are refused wherever they are sent — the
 * multipart `fileId`, a chunk's `fileId` and `X-Appwrite-Id`, `bucketId` on create, and path
 * segments — and leave nothing behind, checked by listing both R2 and D1. What is accepted is
 * stored under `<bucket internal id>/<file internal id>`, whatever the file is called.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asRoot, call, errorOf, okJson } from '../helpers';
import { bucketSeq, fileRowCount, makeBucket, r2Keys, upload } from '../../workers/storage/testing/fixtures';

const key = { key: env.ROOT_API_KEY };
/** Path-like and lookalike ids; `аdmin` and `ｆ１` are Cyrillic and full-width lookalikes. */
const HOSTILE = ['../x', '..', '%2e%2e', '%2e%2e%2fx', '..\\x', 'a/b', 'a\u0000b', 'x'.repeat(37), 'аdmin', 'ｆ１', ' x', '$id', '-x'];
const bytes = () => new TextEncoder().encode('hello');
const keyShape = (seq: number) => new RegExp(`^${seq}/[0-9a-f]{32}$`);

/** Every storage row and every R2 object, so "nothing left" is checked against both stores. */
async function everything() {
  const count = async (table: string) => (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
  return { r2: await r2Keys(), buckets: await count('buckets'), files: await count('files'), perms: await count('file_perms'), chunks: await count('file_chunks'), tokens: await count('file_tokens') };
}

describe('storage key traversal', () => {
  it('refuses hostile file ids in a whole-file upload, a chunk\'s fileId and X-Appwrite-Id, leaving R2 and D1 as they were', async () => {
    const bucket = await makeBucket({ permissions: ['create("any")', 'read("any")'] });
    const before = await everything();
    for (const id of HOSTILE) {
      const whole = await errorOf(await upload(bucket.$id, { fileId: id, file: { bytes: bytes(), name: 'a.txt' } }, key));
      expect(whole, `fileId ${JSON.stringify(id)}`).toMatchObject({ status: 400, type: 'general_argument_invalid' });
      const chunk = await errorOf(await upload(bucket.$id, { fileId: id, file: { bytes: bytes(), name: 'a.txt' }, headers: { 'Content-Range': 'bytes 0-4/5' } }, key));
      expect(chunk, `chunk fileId ${JSON.stringify(id)}`).toMatchObject({ status: 400, type: 'general_argument_invalid' });
      // Header values are bytes: the id goes as its percent-encoding where it could not go raw.
      const header = /^[\x21-\x7e]+$/.test(id) ? id : encodeURIComponent(id);
      const resumed = await errorOf(await upload(bucket.$id, { fileId: 'unique()', file: { bytes: bytes(), name: 'a.txt' }, headers: { 'Content-Range': 'bytes 0-4/5', 'X-Appwrite-Id': header } }, key));
      expect(resumed, `X-Appwrite-Id ${JSON.stringify(id)}`).toMatchObject({ status: 400, type: 'storage_invalid_appwrite_id' });
    }
    expect(await everything()).toEqual(before);
    expect(await fileRowCount(bucket.$id)).toBe(0);
  });

  it('refuses hostile bucket ids on create, and answers hostile path segments as not found without touching anything', async () => {
    const bucket = await makeBucket({ permissions: ['create("any")', 'read("any")', 'update("any")', 'delete("any")'] });
    const seq = await bucketSeq(bucket.$id);
    await okJson(await upload(bucket.$id, { fileId: 'kept', file: { bytes: bytes(), name: 'kept.txt' } }, key), 201);
    const before = await everything();
    for (const id of HOSTILE) {
      expect(await errorOf(await asRoot('/v1/storage/buckets', { method: 'POST', json: { bucketId: id, name: 'x' } })), `bucketId ${JSON.stringify(id)}`).toMatchObject({ status: 400, type: 'general_argument_invalid' });
      const segment = encodeURIComponent(id);
      for (const [method, path] of [
        ['GET', `/v1/storage/buckets/${segment}/files/kept`],
        ['GET', `/v1/storage/buckets/${segment}/files/kept/download`],
        ['DELETE', `/v1/storage/buckets/${segment}/files/kept`],
        ['GET', `/v1/storage/buckets/${bucket.$id}/files/${segment}`],
        ['GET', `/v1/storage/buckets/${bucket.$id}/files/${segment}/view`],
        ['GET', `/v1/storage/buckets/${bucket.$id}/files/${segment}/preview?width=8`],
        ['PUT', `/v1/storage/buckets/${bucket.$id}/files/${segment}`],
        ['DELETE', `/v1/storage/buckets/${bucket.$id}/files/${segment}`],
        ['DELETE', `/v1/storage/buckets/${segment}`],
      ] as const) {
        const res = await call(path, { method, key: env.ROOT_API_KEY, ...(method === 'PUT' ? { json: { name: 'renamed' } } : {}) });
        expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
      }
    }
    // Not a byte moved: the one file is where it was, under the bucket's prefix.
    expect(await everything()).toEqual(before);
    const keys = await r2Keys(`${seq}/`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(keyShape(seq));
  });

  it('keeps R2 keys server-made whatever the file is called', async () => {
    const bucket = await makeBucket({ permissions: ['create("any")', 'read("any")'] });
    const seq = await bucketSeq(bucket.$id);
    const names = ['../../../etc/passwd', '..%2f..%2fx.txt', `${seq + 1}/other.txt`, '/absolute.txt', 'аdmin.txt', '报告 ✓.txt'];
    for (const [i, name] of names.entries()) {
      const res = await upload(bucket.$id, { fileId: `f${i}`, file: { bytes: bytes(), name } }, key);
      expect(res.status, `${name}: ${await res.clone().text()}`).toBe(201);
      const file = (await res.json()) as { name: string };
      // The name is metadata only, never a path.
      expect(file.name).toBe(name);
    }
    // A NUL in the part's headers is a malformed body: refused, nothing kept.
    expect(await errorOf(await upload(bucket.$id, { fileId: 'nul', file: { bytes: bytes(), name: 'a\u0000b.txt' } }, key))).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    const ours = await r2Keys(`${seq}/`);
    expect(ours).toHaveLength(names.length);
    for (const k of ours) expect(k).toMatch(keyShape(seq));
    // Nothing anywhere in R2 is named after a file: every key is `<bucket seq>/<32 hex>` (or a rendition under it).
    for (const k of await r2Keys()) expect(k).toMatch(/^\d+\/[0-9a-f]{32}(\/previews\/.+)?$/);
  });
});
