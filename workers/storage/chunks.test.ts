import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asRoot, errorOf, okJson } from '../../test/helpers';
import { abortAbandonedUploads } from './chunks';
import { bucketSeq, CHUNK, chunkedUpload, fileRowCount, makeBucket, r2Keys, randomBytes, sha256, upload } from './testing/fixtures';

type FileJson = { $id: string; chunksTotal: number; chunksUploaded: number; sizeOriginal: number; sizeActual: number };
const key = { key: env.ROOT_API_KEY };

const chunk = (bytes: Uint8Array, index: number, id: string, withId = true) => {
  const start = (index - 1) * CHUNK;
  const end = Math.min(start + CHUNK, bytes.length) - 1;
  return { fileId: id, file: { bytes: bytes.subarray(start, end + 1), name: 'big.bin' }, headers: { 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, ...(withId ? { 'X-Appwrite-Id': id } : {}) } };
};

async function storedSha(bucketId: string) {
  const keys = await r2Keys(`${await bucketSeq(bucketId)}/`);
  expect(keys).toHaveLength(1);
  return sha256(await (await env.FILES.get(keys[0]))!.arrayBuffer());
}

describe('chunked uploads', () => {
  it('runs as the SDK does: 200 while incomplete, one 201 on completion, bytes intact', async () => {
    const bucket = await makeBucket();
    const bytes = randomBytes(3 * CHUNK + 1234);
    const { id, responses } = await chunkedUpload(bucket.$id, bytes, { init: key });
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 201]);
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<FileJson>));
    // Only the completing response says the upload is complete.
    expect(bodies.filter((b) => b.chunksUploaded >= b.chunksTotal)).toHaveLength(1);
    const file = await okJson<FileJson>(await asRoot(`/v1/storage/buckets/${bucket.$id}/files/${id}`));
    expect(file).toMatchObject({ chunksTotal: 4, chunksUploaded: 4, sizeOriginal: bytes.length, sizeActual: bytes.length });
    expect(await storedSha(bucket.$id)).toBe(await sha256(bytes));
    expect((await env.DB.prepare('SELECT count(*) AS n FROM file_chunks').first<{ n: number }>())!.n).toBe(0);
    // A re-sent chunk of a finished upload is answered with the file (200), and changes nothing.
    const again = await upload(bucket.$id, chunk(bytes, 2, id), key);
    expect(again.status).toBe(200);
    expect(await storedSha(bucket.$id)).toBe(await sha256(bytes));
  });

  it('race: 8 chunks sent at once, twice over, give one complete file and one completion', async () => {
    const bucket = await makeBucket();
    const bytes = randomBytes(7 * CHUNK + 99);
    const sends = [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => upload(bucket.$id, chunk(bytes, i, 'race'), key));
    const responses = await Promise.all(sends);
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201), statuses.join()).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(15);
    expect(await fileRowCount(bucket.$id)).toBe(1);
    expect(await storedSha(bucket.$id)).toBe(await sha256(bytes));
    const file = await okJson<FileJson>(await asRoot(`/v1/storage/buckets/${bucket.$id}/files/race`));
    expect(file).toMatchObject({ chunksTotal: 8, chunksUploaded: 8 });
    // Twice 35 MiB through multipart and R2 parts: slow on a shared two-core machine, so more than the default 30 s.
  }, 120_000);

  it('resumes: a GET of an incomplete file reports chunksUploaded, and the rest completes it', async () => {
    const bucket = await makeBucket();
    const bytes = randomBytes(2 * CHUNK + 10);
    expect((await upload(bucket.$id, chunk(bytes, 1, 'resume', false), key)).status).toBe(200);
    expect((await upload(bucket.$id, chunk(bytes, 3, 'resume'), key)).status).toBe(200);
    expect((await upload(bucket.$id, chunk(bytes, 3, 'resume'), key)).status).toBe(200); // idempotent
    const partial = await okJson<FileJson>(await asRoot(`/v1/storage/buckets/${bucket.$id}/files/resume`));
    expect(partial).toMatchObject({ chunksTotal: 3, chunksUploaded: 2 });
    expect((await upload(bucket.$id, chunk(bytes, 2, 'resume'), key)).status).toBe(201);
    expect(await storedSha(bucket.$id)).toBe(await sha256(bytes));
  });

  it('refuses bad ranges and sizes before anything is kept', async () => {
    const bucket = await makeBucket({ maximumFileSize: 8 * 1024 * 1024 });
    const bytes = randomBytes(CHUNK + 100);
    const body = (range: string, n = CHUNK, id = 'bad') => ({ fileId: id, file: { bytes: randomBytes(n), name: 'a.bin' }, headers: { 'Content-Range': range } as Record<string, string> });
    const cases: [ReturnType<typeof body>, string][] = [
      [body('bytes 0-99'), 'storage_invalid_content_range'],
      [body('items 0-99/100', 100), 'storage_invalid_content_range'],
      [body(`bytes 100-${CHUNK + 99}/${bytes.length}`), 'storage_invalid_content_range'], // overlaps two chunks
      [body(`bytes 0-${CHUNK}/${bytes.length}`, CHUNK + 1), 'storage_invalid_content_range'], // runs past its chunk
      [body(`bytes 0-99/50`, 100), 'storage_invalid_content_range'], // past the end
      [body(`bytes 0-99/100`, 101), 'storage_invalid_content_range'], // larger than declared
      [body(`bytes 0-99/100`, 99), 'storage_invalid_content_range'], // smaller than declared
      [body(`bytes 0-${CHUNK - 1}/${9 * 1024 * 1024}`), 'storage_invalid_file_size'], // over the bucket's limit
      [{ ...body(`bytes 0-99/100`, 100), headers: { 'Content-Range': 'bytes 0-99/100', 'X-Appwrite-Id': 'unique()' } }, 'storage_invalid_appwrite_id'],
    ];
    for (const [input, type] of cases) expect(await errorOf(await upload(bucket.$id, input, key)), input.headers['Content-Range']).toMatchObject({ status: 400, type });
    expect(await fileRowCount(bucket.$id)).toBe(0);
    expect(await r2Keys(`${await bucketSeq(bucket.$id)}/`)).toEqual([]);
    // A later chunk whose total differs from the first's is refused too.
    expect((await upload(bucket.$id, chunk(bytes, 1, 'grow', false), key)).status).toBe(200);
    const other = randomBytes(CHUNK + 200);
    expect(await errorOf(await upload(bucket.$id, chunk(other, 2, 'grow'), key))).toMatchObject({ status: 400, type: 'storage_invalid_content_range' });
  });

  it('cron aborts uploads abandoned for 24 h: R2 multipart and D1 rows', async () => {
    const bucket = await makeBucket();
    const bytes = randomBytes(CHUNK + 5);
    expect((await upload(bucket.$id, chunk(bytes, 1, 'stale', false), key)).status).toBe(200);
    expect((await upload(bucket.$id, chunk(bytes, 1, 'fresh', false), key)).status).toBe(200);
    const stale = (await env.DB.prepare("SELECT r2_key AS k, upload_id AS u, seq FROM files WHERE bucket_id = ? AND id = 'stale'").bind(bucket.$id).first<{ k: string; u: string; seq: number }>())!;
    await env.DB.prepare("UPDATE files SET updated_at = '2000-01-01T00:00:00.000+00:00' WHERE seq = ?").bind(stale.seq).run();
    expect(await abortAbandonedUploads(env)).toBeGreaterThanOrEqual(1);
    expect((await env.DB.prepare('SELECT id FROM files WHERE bucket_id = ?').bind(bucket.$id).all()).results).toEqual([{ id: 'fresh' }]);
    expect((await env.DB.prepare('SELECT count(*) AS n FROM file_chunks WHERE file_seq = ?').bind(stale.seq).first<{ n: number }>())!.n).toBe(0);
    // The multipart upload is gone: completing it now fails.
    await expect(env.FILES.resumeMultipartUpload(stale.k, stale.u).complete([])).rejects.toThrow();
  });
});
