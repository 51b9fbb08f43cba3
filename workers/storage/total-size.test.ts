import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asRoot, okJson } from '../../test/helpers';
import { abortAbandonedUploads } from './chunks';
import { CHUNK, chunkedUpload, makeBucket, randomBytes, upload } from './testing/fixtures';

const key = { key: env.ROOT_API_KEY };
const totalSize = async (bucketId: string) => (await okJson<{ totalSize: number }>(await asRoot(`/v1/storage/buckets/${bucketId}`))).totalSize;
const remove = (bucketId: string, fileId: string) => asRoot(`/v1/storage/buckets/${bucketId}/files/${fileId}`, { method: 'DELETE' });

describe('bucket totalSize', () => {
  it('is the sum of its complete files\' original sizes, through uploads, refusals and deletes', async () => {
    const bucket = await makeBucket({ compression: 'gzip' });
    expect(bucket.totalSize).toBe(0);
    await okJson(await upload(bucket.$id, { fileId: 'a', file: { bytes: randomBytes(1000), name: 'a.bin' } }, key), 201);
    // Stored compressed: the original size counts, as in Appwrite's bucket storage metric.
    await okJson(await upload(bucket.$id, { fileId: 'b', file: { bytes: new Uint8Array(3000).fill(65), name: 'b.txt' } }, key), 201);
    expect(await totalSize(bucket.$id)).toBe(4000);
    // A refused duplicate changes nothing.
    expect((await upload(bucket.$id, { fileId: 'a', file: { bytes: randomBytes(500), name: 'a.bin' } }, key)).status).toBe(409);
    expect(await totalSize(bucket.$id)).toBe(4000);
    // Two deletes of one file at once subtract it once.
    const statuses = (await Promise.all([remove(bucket.$id, 'a'), remove(bucket.$id, 'a')])).map((r) => r.status).sort();
    expect(statuses).toEqual([204, 404]);
    expect(await totalSize(bucket.$id)).toBe(3000);
    const listed = await okJson<{ buckets: { $id: string; totalSize: number }[] }>(await asRoot('/v1/storage/buckets'));
    expect(listed.buckets.find((b) => b.$id === bucket.$id)?.totalSize).toBe(3000);
    expect((await remove(bucket.$id, 'b')).status).toBe(204);
    expect(await totalSize(bucket.$id)).toBe(0);
  });

  it('counts a chunked upload once, when it completes, and never an abandoned one', async () => {
    const bucket = await makeBucket();
    const size = CHUNK + 1234;
    const bytes = randomBytes(size);
    // Only the first chunk: the file is incomplete and not counted.
    const first = await upload(bucket.$id, { fileId: 'half', file: { bytes: bytes.subarray(0, CHUNK), name: 'big.bin' }, headers: { 'Content-Range': `bytes 0-${CHUNK - 1}/${size}` } }, key);
    expect(first.status).toBe(200);
    expect(await totalSize(bucket.$id)).toBe(0);
    expect(await abortAbandonedUploads(env, Date.now() + 2 * 86_400_000)).toBeGreaterThanOrEqual(1);
    expect(await totalSize(bucket.$id)).toBe(0);

    const { id } = await chunkedUpload(bucket.$id, bytes, { init: key });
    expect(await totalSize(bucket.$id)).toBe(size);
    expect((await remove(bucket.$id, id)).status).toBe(204);
    expect(await totalSize(bucket.$id)).toBe(0);
  });
});
