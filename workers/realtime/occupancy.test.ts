/**
 * The sink publishes to the keeper, which forwards to the shards holding sockets (hub/occupancy.ts):
 * a shard is in that set before its first socket's `connected` frame, leaves it when its last
 * socket goes, an older report never undoes a newer one, and a shard found empty is dropped.
 */
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { asRoot, okJson } from '../../test/helpers';
import { uniqueId } from '../lib/ids';
import type { SocketIdentity } from './hub/types';
import { shard } from './shards';
import { TestSocket, type Frame } from './testing/socket';

type Hub = { occupancy: { occupied(count: number, keeper: number): number[] }; seat: { epoch(): number } };

const occupied = () => runInDurableObject(shard(env, 0), (instance) => (instance as unknown as Hub).occupancy.occupied(16, 0).sort((a, b) => a - b));
const epochOf = (index: number) => runInDurableObject(shard(env, index), (instance) => (instance as unknown as Hub).seat.epoch());

async function openOn(index: number, channel: string): Promise<TestSocket> {
  const identity: SocketIdentity = {
    socketId: uniqueId(), shard: index, userId: null, sessionId: null, expires: null, roles: ['any', 'guests'], user: null, since: null,
    legacy: { channels: [channel], subscriptions: [{ index: 0, channels: [channel], queries: [] }] },
  };
  const res = await shard(env, index).fetch('http://hub/connect', { headers: { Upgrade: 'websocket', 'X-Ledge-Socket': JSON.stringify(identity) } });
  const socket = new TestSocket(res.webSocket!);
  await socket.next((f) => f.type === 'connected');
  return socket;
}

describe('occupancy', () => {
  it('a shard is registered before its first socket hears `connected`, hears publishes, and leaves when empty', async () => {
    const db = `oc${uniqueId()}`;
    await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'OC' } }), 201);
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { method: 'POST', json: { tableId: 'notes', name: 'Notes', permissions: ['read("any")'] } }), 201);
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables/notes/columns/integer`, { method: 'POST', json: { key: 'n', required: true } }), 202);
    const channel = `tablesdb.${db}.tables.notes.rows`;
    expect(await occupied()).not.toContain(6);

    const first = await openOn(6, channel);
    expect(await occupied()).toContain(6);
    const second = await openOn(6, channel);
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables/notes/rows`, { method: 'POST', json: { rowId: 'r1', data: { n: 1 } } }), 201);
    for (const s of [first, second]) expect(((await s.next((f: Frame) => f.type === 'event')).data!.payload as { $id: string }).$id).toBe('r1');

    first.close();
    await first.waitClosed();
    await second.settle();
    expect(await occupied()).toContain(6);
    second.close();
    await vi.waitFor(async () => expect(await occupied()).not.toContain(6), { timeout: 5000, interval: 20 });

    // Back again: a new registration under a newer epoch.
    const before = await epochOf(6);
    const third = await openOn(6, channel);
    expect(await epochOf(6)).toBeGreaterThan(before);
    expect(await occupied()).toContain(6);
    third.close();
  });

  it('an older report never undoes a newer one', async () => {
    const keeper = shard(env, 0);
    await keeper.occupy(10, 5);
    await keeper.vacate(10, 4);
    expect(await occupied()).toContain(10);
    await keeper.vacate(10, 5);
    expect(await occupied()).not.toContain(10);
    await keeper.occupy(10, 3);
    expect(await occupied()).not.toContain(10);
  });

  it('a shard the keeper finds empty when it forwards is dropped', async () => {
    const keeper = shard(env, 0);
    await keeper.occupy(12, await epochOf(12));
    expect(await occupied()).toContain(12);
    await keeper.broadcast({ messages: [] });
    expect(await occupied()).not.toContain(12);
  });
});
