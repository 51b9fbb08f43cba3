/**
 * What other domains consume from storage: file events with the file's readers as roles (realtime
 * delivery, function triggers), bucket events with none; and download/view/preview resolving
 * their caller in the same D1 round trip as the bucket and file.
 */
import { env } from 'cloudflare:workers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { countingDb, isSessionCheck } from '../../test/d1-counter';
import { asRoot, okJson, signedInUser } from '../../test/helpers';
import { app } from '../app';
import type { LedgeEvent } from '../events/event';
import { registerSink } from '../events/publish';
import { makeBucket, randomBytes, upload } from './testing/fixtures';

const seen: LedgeEvent[] = [];
const remove = registerSink({ name: 'storage-test', deliver: async (_env, events) => void seen.push(...events) });
afterEach(() => void (seen.length = 0));
afterAll(() => remove());

const waitFor = async (name: string) => {
  for (let i = 0; i < 50 && !seen.some((e) => e.events.includes(name)); i++) await new Promise((r) => setTimeout(r, 20));
  return seen.find((e) => e.events.includes(name));
};

describe('storage events', () => {
  it('file create/update/delete carry the readers from the one evaluator; bucket events carry none', async () => {
    const bucket = await makeBucket({ permissions: ['read("team:t1")', 'create("users")'], fileSecurity: true });
    expect((await waitFor(`buckets.${bucket.$id}.create`))?.roles).toEqual([]);
    const u = await signedInUser();
    const headers = { 'X-Appwrite-Session': u.cookieValue };
    await okJson(await upload(bucket.$id, { fileId: 'ev', file: { bytes: randomBytes(8), name: 'a.bin' } }, { headers }), 201);
    const created = await waitFor(`buckets.${bucket.$id}.files.ev.create`);
    expect(created?.roles.sort()).toEqual(['team:t1', `user:${u.user.id}`].sort());
    expect(created?.payload).toMatchObject({ $id: 'ev', bucketId: bucket.$id, name: 'a.bin' });
    expect(created?.userId).toBe(u.user.id);
    await okJson(await u.req(`/v1/storage/buckets/${bucket.$id}/files/ev`, { method: 'PUT', json: { permissions: ['read("any")', `delete("user:${u.user.id}")`] } }));
    expect((await waitFor(`buckets.${bucket.$id}.files.ev.update`))?.roles.sort()).toEqual(['any', 'team:t1']);
    expect((await u.req(`/v1/storage/buckets/${bucket.$id}/files/ev`, { method: 'DELETE' })).status).toBe(204);
    expect((await waitFor(`buckets.${bucket.$id}.files.ev.delete`))?.roles.sort()).toEqual(['any', 'team:t1']);
    expect((await asRoot(`/v1/storage/buckets/${bucket.$id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await waitFor(`buckets.${bucket.$id}.delete`))?.roles).toEqual([]);
  });
});

describe('one D1 round trip per file read', () => {
  it('download, view and preview check the session in the batch that reads the bucket and file', async () => {
    const bucket = await makeBucket({ permissions: ['create("users")'], fileSecurity: true });
    const u = await signedInUser();
    const headers = { 'X-Appwrite-Session': u.cookieValue, 'X-Appwrite-Project': env.PROJECT_ID };
    await okJson(await upload(bucket.$id, { fileId: 'rt', file: { bytes: randomBytes(8), name: 'a.txt' } }, { headers }), 201);
    const counted = countingDb(env.DB);
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
    for (const tail of ['download', 'view']) {
      counted.reset();
      const res = await app.request(`/v1/storage/buckets/${bucket.$id}/files/rt/${tail}`, { headers }, { ...env, DB: counted.db }, ctx);
      expect(res.status, tail).toBe(200);
      expect(counted.trips, tail).toHaveLength(1);
      expect(counted.trips[0].some(isSessionCheck), tail).toBe(true);
      expect(counted.trips[0].some((sql) => /FROM "files"/.test(sql)), tail).toBe(true);
    }
    // A revoked session is a guest on the very next request: the file is then as missing.
    await env.DB.prepare('DELETE FROM sessions WHERE user_id = ?').bind(u.user.id).run();
    const res = await app.request(`/v1/storage/buckets/${bucket.$id}/files/rt/download`, { headers }, { ...env, DB: counted.db }, ctx);
    expect(res.status).toBe(404);
  });
});
