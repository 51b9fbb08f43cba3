import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asRoot, call, errorOf, okJson, signedInUser } from '../../test/helpers';
import { crc32, makePng } from '../../test/png';
import { bucketSeq, makeBucket, r2Keys, randomBytes, sha256, upload } from './testing/fixtures';

const key = { key: env.ROOT_API_KEY };
const path = (b: string, f: string, tail: string) => `/v1/storage/buckets/${b}/files/${f}/${tail}`;

const noise = (x: number, y: number): [number, number, number] => [(x * 37 + y * 91) % 256, (x * y * 13) % 256, (x ^ y) * 7 % 256];

async function pngFile(width = 256, height = 128, settings: Record<string, unknown> = {}) {
  const bucket = await makeBucket({ permissions: ['read("any")'], ...settings });
  const bytes = await makePng(width, height, noise);
  const file = await okJson<{ $id: string; mimeType: string }>(await upload(bucket.$id, { fileId: 'unique()', file: { bytes, name: 'photo.png' } }, key), 201);
  return { bucket, file, bytes };
}

describe('download and view', () => {
  it('sends the bytes with type, length, ETag, ranges and 304', async () => {
    const bucket = await makeBucket({ permissions: ['read("any")'] });
    const bytes = randomBytes(100_000);
    const file = await okJson<{ $id: string; signature: string }>(await upload(bucket.$id, { fileId: 'data', file: { bytes, name: 'data ü.bin' } }, key), 201);
    const res = await call(path(bucket.$id, 'data', 'download'));
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('application/octet-stream');
    expect(res.headers.get('Content-Length')).toBe('100000');
    expect(res.headers.get('Content-Disposition')).toBe(`attachment; filename="data _.bin"; filename*=UTF-8''data%20%C3%BC.bin`);
    expect(await sha256(await res.arrayBuffer())).toBe(await sha256(bytes));
    const etag = res.headers.get('ETag')!;
    expect(etag).toBe(`"${file.signature}"`);

    const part = await call(path(bucket.$id, 'data', 'download'), { headers: { Range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('Content-Range')).toBe('bytes 10-19/100000');
    expect(part.headers.get('Content-Length')).toBe('10');
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(10, 20));
    const tail = await call(path(bucket.$id, 'data', 'view'), { headers: { Range: 'bytes=-5' } });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.subarray(99_995));
    expect(await errorOf(await call(path(bucket.$id, 'data', 'download'), { headers: { Range: 'bytes=100000-' } }))).toMatchObject({ status: 416, type: 'storage_invalid_range' });
    const cached = await call(path(bucket.$id, 'data', 'download'), { headers: { 'If-None-Match': etag } });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe('');
  });

  it('serves view inline and sandboxed, so uploaded HTML cannot run script on this origin', async () => {
    const bucket = await makeBucket({ permissions: ['read("any")'] });
    const html = new TextEncoder().encode('<script>alert(document.cookie)</script>');
    await okJson(await upload(bucket.$id, { fileId: 'page', file: { bytes: html, name: 'page.html', type: 'text/html' } }, key), 201);
    const res = await call(path(bucket.$id, 'page', 'view'));
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/html');
    expect(res.headers.get('Content-Security-Policy')).toBe('sandbox');
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(res.headers.get('Content-Disposition')).toMatch(/^inline; /);
    const dl = await call(path(bucket.$id, 'page', 'download'));
    expect(dl.headers.get('Content-Disposition')).toMatch(/^attachment; /);
  });

  it('authenticates by cookie with ?project=, and by file token', async () => {
    const bucket = await makeBucket({ permissions: ['create("users")'], fileSecurity: true });
    const owner = await signedInUser();
    const bytes = randomBytes(64);
    await okJson(await upload(bucket.$id, { fileId: 'mine', file: { bytes, name: 'a.bin' } }, { headers: { 'X-Appwrite-Session': owner.cookieValue } }), 201);
    const url = `${path(bucket.$id, 'mine', 'download')}?project=${env.PROJECT_ID}&impersonateuserid=`;
    expect((await owner.req(url, { project: null })).status).toBe(200);
    expect(await errorOf(await call(url, { project: null }))).toMatchObject({ status: 404, type: 'storage_file_not_found' });

    const token = await okJson<{ $id: string; secret: string; resourceId: string; resourceType: string }>(await asRoot(`/v1/tokens/buckets/${bucket.$id}/files/mine`, { method: 'POST', json: {} }), 201);
    expect(token).toMatchObject({ resourceId: `${bucket.$id}:mine`, resourceType: 'files' });
    const withToken = await call(`${url}&token=${token.secret}`, { project: null });
    expect(withToken.status).toBe(200);
    expect(await sha256(await withToken.arrayBuffer())).toBe(await sha256(bytes));
    // A token names one file; another file of the bucket stays closed to it.
    await okJson(await upload(bucket.$id, { fileId: 'other', file: { bytes, name: 'b.bin' } }, key), 201);
    expect((await call(`${path(bucket.$id, 'other', 'view')}?project=${env.PROJECT_ID}&token=${token.secret}`, { project: null })).status).toBe(404);
    const listed = await okJson<{ total: number }>(await asRoot(`/v1/tokens/buckets/${bucket.$id}/files/mine`));
    expect(listed.total).toBe(1);
    // Expired, then revoked.
    await okJson(await asRoot(`/v1/tokens/${token.$id}`, { method: 'PATCH', json: { expire: '2001-01-01T00:00:00.000+00:00' } }));
    expect(await errorOf(await call(`${url}&token=${token.secret}`, { project: null }))).toMatchObject({ status: 401, type: 'token_expired' });
    expect((await asRoot(`/v1/tokens/${token.$id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${url}&token=${token.secret}`, { project: null })).status).toBe(404);
    expect(await errorOf(await call(`${url}&token=not-a-jwt`, { project: null }))).toMatchObject({ status: 404, type: 'storage_file_not_found' });
    // Users cannot make tokens.
    expect(await errorOf(await owner.req(`/v1/tokens/buckets/${bucket.$id}/files/mine`, { method: 'POST', json: {} }))).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
  });
});

describe('preview', () => {
  it('renders a 64-px webp of a real PNG, stores the rendition under the file and serves it again', async () => {
    const { bucket, file } = await pngFile(256, 128);
    expect(file.mimeType).toBe('image/png');
    const res = await call(`${path(bucket.$id, file.$id, 'preview')}?width=64&output=webp`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('image/webp');
    expect(res.headers.get('Content-Security-Policy')).toBe('sandbox');
    const body = await res.arrayBuffer();
    expect(await env.IMAGES.info(new Blob([body]).stream())).toMatchObject({ format: 'image/webp', width: 64, height: 32 });
    const seq = await bucketSeq(bucket.$id);
    const renditions = (await r2Keys(`${seq}/`)).filter((k) => k.includes('/previews/'));
    expect(renditions).toHaveLength(1);
    const again = await call(`${path(bucket.$id, file.$id, 'preview')}?width=64&output=webp`);
    expect(await sha256(await again.arrayBuffer())).toBe(await sha256(body));
    expect((await call(`${path(bucket.$id, file.$id, 'preview')}?width=64&output=webp`, { headers: { 'If-None-Match': res.headers.get('ETag')! } })).status).toBe(304);
    // The Cache API sits in front of R2: with the stored rendition gone, the cached copy still answers.
    await env.FILES.delete(renditions[0]);
    const cached = await call(`${path(bucket.$id, file.$id, 'preview')}?width=64&output=webp`);
    expect(await sha256(await cached.arrayBuffer())).toBe(await sha256(body));
    expect((await r2Keys(`${seq}/`)).filter((k) => k.includes('/previews/'))).toEqual([]);
    // Deleting the file removes its renditions too.
    expect((await asRoot(`/v1/storage/buckets/${bucket.$id}/files/${file.$id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await r2Keys(`${seq}/`)).toEqual([]);
  });

  it('honours width, height, rotation, quality and every output format the binding writes', async () => {
    const { bucket, file } = await pngFile(120, 80);
    const info = async (q: string) => {
      const res = await call(`${path(bucket.$id, file.$id, 'preview')}?${q}`);
      if (res.status !== 200) expect(`${q}: ${await res.text()}`).toBe('200');
      return { ...(await env.IMAGES.info(new Blob([await res.arrayBuffer()]).stream())), type: res.headers.get('Content-Type') };
    };
    expect(await info('width=60&height=60')).toMatchObject({ width: 60, height: 60 });
    expect(await info('height=40')).toMatchObject({ width: 60, height: 40 });
    expect(await info('rotation=90')).toMatchObject({ width: 80, height: 120 });
    expect(await info('rotation=-270&width=60')).toMatchObject({ width: 60, height: 90 });
    for (const [output, format] of [['jpg', 'image/jpeg'], ['jpeg', 'image/jpeg'], ['png', 'image/png'], ['webp', 'image/webp'], ['avif', 'image/avif']]) {
      expect(await info(`width=30&output=${output}&quality=50`), output).toMatchObject({ format, type: format, width: 30 });
    }
    // The local binding cannot write GIF (production can): the refusal is clear, never a 500.
    const gif = await errorOf(await call(`${path(bucket.$id, file.$id, 'preview')}?width=30&output=gif`));
    expect(gif).toMatchObject({ status: 400, type: 'storage_file_type_unsupported' });
    expect(gif.message).toMatch(/GIF output is not supported in local mode/);
    // `quality` reaches the binding (preview-options.test.ts); local mode ignores it, production applies it.
    expect(await info('output=jpg&quality=10')).toMatchObject({ format: 'image/jpeg', width: 120, height: 80 });
  });

  it('refuses what it cannot render, non-images, bombs and disabled transformations — never a 500', async () => {
    const { bucket, file } = await pngFile(32, 32);
    const p = (q: string) => call(`${path(bucket.$id, file.$id, 'preview')}?${q}`);
    for (const q of ['output=heic', 'rotation=45', 'opacity=0.5', 'borderRadius=8']) expect(await errorOf(await p(q)), q).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    await okJson(await upload(bucket.$id, { fileId: 'text', file: { bytes: new TextEncoder().encode('hello'), name: 'a.txt' } }, key), 201);
    expect(await errorOf(await call(`${path(bucket.$id, 'text', 'preview')}?width=10`))).toMatchObject({ status: 400, type: 'storage_file_type_unsupported' });
    // A 1-pixel PNG whose header claims 10000×5000 (50 MP, over the 40 MP budget): refused from its header, before any decoding.
    const bomb = await makePng(1, 1);
    const header = new DataView(bomb.buffer);
    header.setUint32(16, 10_000);
    header.setUint32(20, 5_000);
    header.setUint32(29, crc32(bomb.subarray(12, 29)));
    await okJson(await upload(bucket.$id, { fileId: 'bomb', file: { bytes: bomb, name: 'bomb.png' } }, key), 201);
    const bombed = await errorOf(await call(`${path(bucket.$id, 'bomb', 'preview')}?width=10`));
    expect(bombed).toMatchObject({ status: 400, type: 'storage_image_resolution_exceeded' });
    const broken = new Uint8Array([...(await makePng(4, 4)).subarray(0, 40), 1, 2, 3]);
    await okJson(await upload(bucket.$id, { fileId: 'broken', file: { bytes: broken, name: 'broken.png' } }, key), 201);
    expect(await errorOf(await call(`${path(bucket.$id, 'broken', 'preview')}?width=10`))).toMatchObject({ status: 400, type: 'storage_file_type_unsupported' });
    const off = await pngFile(8, 8, { transformations: false });
    expect(await errorOf(await call(`${path(off.bucket.$id, off.file.$id, 'preview')}?width=4`))).toMatchObject({ status: 403, type: 'storage_bucket_transformations_disabled' });
  });
});
