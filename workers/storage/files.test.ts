import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asRoot, call, errorOf, okJson, signedInUser } from '../../test/helpers';
import { bucketSeq, fileRowCount, makeBucket, r2Keys, randomBytes, sha256, upload } from './testing/fixtures';

type FileJson = { $id: string; name: string; sizeOriginal: number; mimeType: string; chunksTotal: number; chunksUploaded: number; $permissions: string[]; signature: string };

describe('buckets', () => {
  it('creates, reads, lists, updates and deletes a bucket with every setting reported', async () => {
    const bucket = await makeBucket({ permissions: ['read("any")', 'write("users")'], fileSecurity: true, maximumFileSize: 1000, allowedFileExtensions: ['PNG', '.jpg'], compression: 'gzip', encryption: false, antivirus: false, transformations: false });
    expect(bucket).toMatchObject({
      $permissions: ['read("any")', 'create("users")', 'update("users")', 'delete("users")'], fileSecurity: true, enabled: true,
      maximumFileSize: 1000, allowedFileExtensions: ['png', 'jpg'], compression: 'gzip', encryption: false, antivirus: false, transformations: false,
    });
    const got = await okJson(await asRoot(`/v1/storage/buckets/${bucket.$id}`));
    expect(got).toEqual(bucket);
    const list = await okJson<{ total: number; buckets: { $id: string }[] }>(await asRoot(`/v1/storage/buckets?queries[0]=${encodeURIComponent(JSON.stringify({ method: 'equal', attribute: '$id', values: [bucket.$id] }))}`));
    expect(list).toMatchObject({ total: 1, buckets: [{ $id: bucket.$id }] });
    const updated = await okJson(await asRoot(`/v1/storage/buckets/${bucket.$id}`, { method: 'PUT', json: { name: 'Renamed', enabled: false } }));
    // Appwrite's defaults apply to what an update leaves out; permissions are kept.
    expect(updated).toMatchObject({ name: 'Renamed', enabled: false, fileSecurity: false, maximumFileSize: Number(env.STORAGE_LIMIT), $permissions: bucket.$permissions });
    expect((await asRoot(`/v1/storage/buckets/${bucket.$id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await errorOf(await asRoot(`/v1/storage/buckets/${bucket.$id}`))).toMatchObject({ status: 404, type: 'storage_bucket_not_found' });
  });

  it('refuses a duplicate id, a size over STORAGE_LIMIT, bad permissions, and callers without buckets scopes', async () => {
    const bucket = await makeBucket();
    expect(await errorOf(await asRoot('/v1/storage/buckets', { method: 'POST', json: { bucketId: bucket.$id, name: 'x' } }))).toMatchObject({ status: 409, type: 'storage_bucket_already_exists' });
    expect(await errorOf(await asRoot('/v1/storage/buckets', { method: 'POST', json: { bucketId: 'unique()', name: 'x', maximumFileSize: Number(env.STORAGE_LIMIT) + 1 } }))).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    expect(await errorOf(await asRoot('/v1/storage/buckets', { method: 'POST', json: { bucketId: 'unique()', name: 'x', permissions: ['read("nobody")'] } }))).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    const user = await signedInUser();
    expect(await errorOf(await user.req('/v1/storage/buckets'))).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
    expect(await errorOf(await call('/v1/storage/buckets', { method: 'POST', json: { bucketId: 'unique()', name: 'x' } }))).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
  });
});

describe('files', () => {
  it('uploads a small file, reads, lists, searches, updates and deletes it (R2 object gone)', async () => {
    const bucket = await makeBucket({ permissions: ['create("users")'], fileSecurity: true });
    const user = await signedInUser();
    const bytes = randomBytes(1024);
    const res = await upload(bucket.$id, { fileId: 'unique()', file: { bytes, name: 'notes.txt', type: 'text/plain' } }, { headers: { 'X-Appwrite-Session': user.cookieValue } });
    const file = await okJson<FileJson>(res, 201);
    expect(file).toMatchObject({ bucketId: bucket.$id, name: 'notes.txt', sizeOriginal: 1024, sizeActual: 1024, mimeType: 'text/plain', chunksTotal: 1, chunksUploaded: 1 });
    // The creator gets read/update/delete; the R2 key is server-made, under the bucket's prefix.
    expect(file.$permissions).toEqual([`read("user:${user.user.id}")`, `update("user:${user.user.id}")`, `delete("user:${user.user.id}")`]);
    const seq = await bucketSeq(bucket.$id);
    const keys = await r2Keys(`${seq}/`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain('notes');
    const object = await env.FILES.get(keys[0]);
    expect(await sha256(await object!.arrayBuffer())).toBe(await sha256(bytes));
    expect(file.signature).toBe(object!.etag);

    expect(await okJson(await user.req(`/v1/storage/buckets/${bucket.$id}/files/${file.$id}`))).toEqual(file);
    const list = await okJson<{ total: number; files: FileJson[] }>(await user.req(`/v1/storage/buckets/${bucket.$id}/files?search=notes`));
    expect(list).toMatchObject({ total: 1, files: [{ $id: file.$id }] });
    const updated = await okJson<FileJson>(await user.req(`/v1/storage/buckets/${bucket.$id}/files/${file.$id}`, { method: 'PUT', json: { name: 'renamed.txt', permissions: [`read("user:${user.user.id}")`, 'read("any")', `delete("user:${user.user.id}")`] } }));
    expect(updated).toMatchObject({ name: 'renamed.txt', $permissions: [`read("user:${user.user.id}")`, 'read("any")', `delete("user:${user.user.id}")`] });
    // A guest now reads it through the side table; nobody may update it any more.
    expect((await call(`/v1/storage/buckets/${bucket.$id}/files?search=renamed`)).status).toBe(200);
    expect(await errorOf(await user.req(`/v1/storage/buckets/${bucket.$id}/files/${file.$id}`, { method: 'PUT', json: { name: 'x' } }))).toMatchObject({ status: 401, type: 'user_unauthorized' });
    expect((await user.req(`/v1/storage/buckets/${bucket.$id}/files/${file.$id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await r2Keys(`${seq}/`)).toEqual([]);
    expect(await fileRowCount(bucket.$id)).toBe(0);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM file_perms WHERE _seq NOT IN (SELECT seq FROM files)').first<{ n: number }>())!.n).toBe(0);
  });

  it('reads past the `folder` field of newer SDKs: no folder in the R2 key or the model', async () => {
    const bucket = await makeBucket({ permissions: ['create("any")', 'read("any")'] });
    const file = await okJson<FileJson & { folder: string; key: string }>(await upload(bucket.$id, { fileId: 'inf', file: { bytes: randomBytes(10), name: 'a.bin' }, folder: '../../other-bucket/x' }), 201);
    expect(file).toMatchObject({ $id: 'inf', folder: '', key: '' });
    const keys = await r2Keys(`${await bucketSeq(bucket.$id)}/`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^\d+\/[0-9a-f]{32}$/);
  });

  it('streams a whole-file upload over 5 MiB into R2 multipart and keeps its bytes', async () => {
    const bucket = await makeBucket();
    const bytes = randomBytes(12 * 1024 * 1024 + 3);
    const file = await okJson<FileJson>(await upload(bucket.$id, { fileId: 'big', file: { bytes, name: 'big.bin' } }, { key: env.ROOT_API_KEY }), 201);
    expect(file.sizeOriginal).toBe(bytes.length);
    const [key] = await r2Keys(`${await bucketSeq(bucket.$id)}/`);
    const object = await env.FILES.get(key);
    expect(await sha256(await object!.arrayBuffer())).toBe(await sha256(bytes));
  });

  it('refuses with Appwrite error types and leaves nothing in R2 or D1', async () => {
    const bucket = await makeBucket({ permissions: ['create("any")', 'read("any")'], maximumFileSize: 2048, allowedFileExtensions: ['txt', 'png'] });
    const seq = await bucketSeq(bucket.$id);
    const small = randomBytes(100);
    const cases: [Parameters<typeof upload>[1], number, string][] = [
      [{ fileId: 'a', file: { bytes: randomBytes(4096), name: 'big.txt' } }, 400, 'storage_invalid_file_size'],
      [{ fileId: 'b', file: { bytes: small, name: 'evil.exe' } }, 400, 'storage_file_type_unsupported'],
      [{ fileId: 'c', file: { bytes: small, name: 'noext' } }, 400, 'storage_file_type_unsupported'],
      // Hostile ids are test/security/storage-keys.test.ts's; a missing one is refused as in Appwrite.
      [{ file: { bytes: small, name: 'a.txt' } }, 400, 'general_argument_invalid'],
      [{ fileId: 'nofile' }, 400, 'storage_file_empty'],
      [{ fileId: 'empty', file: { bytes: new Uint8Array(), name: 'a.txt' } }, 400, 'storage_file_empty'],
      [{ fileId: 'perm', file: { bytes: small, name: 'a.txt' }, permissions: ['read("user:someone-else")'] }, 401, 'user_unauthorized'],
      [{ fileId: 'perm2', file: { bytes: small, name: 'a.txt' }, permissions: ['bogus'] }, 400, 'general_argument_invalid'],
    ];
    for (const [input, status, type] of cases) {
      expect(await errorOf(await upload(bucket.$id, input)), JSON.stringify(input.fileId)).toMatchObject({ status, type });
    }
    const json = await call(`/v1/storage/buckets/${bucket.$id}/files`, { method: 'POST', json: { fileId: 'j' } });
    expect(await errorOf(json)).toMatchObject({ status: 400, type: 'storage_file_empty' });
    expect(await r2Keys(`${seq}/`)).toEqual([]);
    expect(await fileRowCount(bucket.$id)).toBe(0);
  });

  it('refuses a duplicate id (409) and removes the second upload\'s bytes', async () => {
    const bucket = await makeBucket({ permissions: ['create("any")'] });
    const seq = await bucketSeq(bucket.$id);
    expect((await upload(bucket.$id, { fileId: 'dup', file: { bytes: randomBytes(10), name: 'a.bin' } })).status).toBe(201);
    expect(await errorOf(await upload(bucket.$id, { fileId: 'dup', file: { bytes: randomBytes(10), name: 'a.bin' } }))).toMatchObject({ status: 409, type: 'storage_file_already_exists' });
    expect(await r2Keys(`${seq}/`)).toHaveLength(1);
  });

  it('answers a disabled or missing bucket as storage_bucket_not_found, except to keys', async () => {
    const bucket = await makeBucket({ permissions: ['create("any")', 'read("any")'], enabled: false });
    expect(await errorOf(await upload(bucket.$id, { fileId: 'a', file: { bytes: randomBytes(10), name: 'a.bin' } }))).toMatchObject({ status: 404, type: 'storage_bucket_not_found' });
    expect(await errorOf(await call(`/v1/storage/buckets/${bucket.$id}/files`))).toMatchObject({ status: 404, type: 'storage_bucket_not_found' });
    expect(await errorOf(await call('/v1/storage/buckets/nope/files/x'))).toMatchObject({ status: 404, type: 'storage_bucket_not_found' });
    expect((await asRoot(`/v1/storage/buckets/${bucket.$id}/files`)).status).toBe(200);
  });

  it('deleting a bucket removes its files from D1 and R2', async () => {
    const bucket = await makeBucket({ permissions: ['create("any")'] });
    const seq = await bucketSeq(bucket.$id);
    for (const id of ['a', 'b']) expect((await upload(bucket.$id, { fileId: id, file: { bytes: randomBytes(10), name: 'a.bin' } })).status).toBe(201);
    expect(await r2Keys(`${seq}/`)).toHaveLength(2);
    expect((await asRoot(`/v1/storage/buckets/${bucket.$id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await r2Keys(`${seq}/`)).toEqual([]);
    expect(await fileRowCount(bucket.$id)).toBe(0);
  });
});
