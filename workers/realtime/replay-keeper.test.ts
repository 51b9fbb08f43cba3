/**
 * One replay keeper (shard 0) for every shard: other shards record nothing, and a client that
 * reconnects on another shard gets its replay through one RPC to the keeper, filtered by its own
 * roles and subscriptions there. Sockets are opened on chosen shards (the Worker picks at random).
 */
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { asRoot, okJson } from '../../test/helpers';
import { uniqueId } from '../lib/ids';
import type { ReplayWindow } from './hub/replay';
import type { HubMessage } from './hub/types';
import { ReplayBuffer } from './hub/replay';
import { shard } from './shards';
import { openOn, type Frame } from './testing/socket';

const rowId = (f: Frame) => (f.data!.payload as { $id: string }).$id;

async function teamTable() {
  const db = `rk${uniqueId()}`;
  const teamId = `team${uniqueId()}`;
  await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'RK' } }), 201);
  await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { method: 'POST', json: { tableId: 'notes', name: 'Notes', permissions: [`read("team:${teamId}")`] } }), 201);
  await okJson(await asRoot(`/v1/tablesdb/${db}/tables/notes/columns/integer`, { method: 'POST', json: { key: 'n', required: true } }), 202);
  return { teamId, rows: `/v1/tablesdb/${db}/tables/notes/rows`, channel: `tablesdb.${db}.tables.notes.rows` };
}

/** Replay entries a shard holds, in storage or waiting in memory (its buffer, if it keeps one). */
const heldReplay = (index: number) =>
  runInDurableObject(shard(env, index), async (instance, state) => {
    const buffer = (instance as unknown as { buffer: { pending: Map<string, unknown> } | null }).buffer;
    return (await state.storage.list({ prefix: 'replay' })).size + (buffer?.pending.size ?? 0);
  });

describe('replay keeper', () => {
  it('a client reconnecting on a shard that is not the keeper gets its replay, ACL-filtered', async () => {
    const t = await teamTable();
    const member = `m${uniqueId()}`;
    // The keeper covers what was published since it was created: make sure that is before `a`.
    await shard(env, 0).replayWindow(Date.now());
    const first = await openOn(5, member, [`team:${t.teamId}`], t.channel);
    // The sink publishes to the keeper before any other shard, so once this watcher has an event
    // the keeper has recorded it.
    const watcher = await openOn(13, member, [`team:${t.teamId}`], t.channel);
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'a', data: { n: 1 } } }), 201);
    const seen = await first.next((f) => f.type === 'event' && rowId(f) === 'a');
    first.close();
    // Missed while away:
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'b', data: { n: 2 } } }), 201);
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'c', data: { n: 3 } } }), 201);
    await watcher.next((f) => f.type === 'event' && rowId(f) === 'c');

    const again = await openOn(7, member, [`team:${t.teamId}`], t.channel);
    const reply = await again.request({ type: 'replay', data: { since: seen.data!.timestamp } });
    expect(reply.data).toMatchObject({ to: 'replay', success: true, gap: false, replayed: 3, since: seen.data!.timestamp });
    expect(again.events().map(rowId)).toEqual(['a', 'b', 'c']);
    for (const f of again.events()) expect(f.data!.replay).toBe(true);
    // Older than the keeper's coverage: a gap.
    expect((await again.request({ type: 'replay', data: { since: '2000-01-01T00:00:00.000+00:00' } })).data).toMatchObject({ gap: true });

    // A stranger on a third shard reads the same window and receives nothing from it.
    const stranger = await openOn(9, `s${uniqueId()}`, [], t.channel);
    expect((await stranger.request({ type: 'replay', data: { since: seen.data!.timestamp } })).data).toMatchObject({ replayed: 0, gap: false });
    expect(stranger.events()).toEqual([]);

    // Legacy URL mode (`?since=`) on another shard replays right after `connected`.
    const legacy = await openOn(11, member, [`team:${t.teamId}`], t.channel, Date.parse(String(seen.data!.timestamp)));
    const legacyReply = await legacy.next((f) => f.type === 'response');
    expect(legacyReply.data).toMatchObject({ to: 'replay', replayed: 3, gap: false });
    expect(legacy.frames.map((f) => f.type)).toEqual(['connected', 'event', 'event', 'event', 'response']);

    // Only the keeper records: the other shards hold no replay entries, stored or pending.
    expect(await heldReplay(0)).toBeGreaterThanOrEqual(3);
    for (const index of [5, 7, 9, 11, 13]) expect(await heldReplay(index)).toBe(0);
    for (const s of [watcher, again, stranger, legacy]) s.close();
  });

  it('every shard reads the one window the keeper holds', async () => {
    const since = Date.now() - 1000;
    // RPC typing cannot map a payload of `unknown`s: the result is a ReplayWindow.
    const read = async (index: number) => (await shard(env, index).replayWindow(since)) as ReplayWindow;
    const [fromKeeper, fromOther] = [await read(0), await read(3)];
    expect(fromOther.coveredSince).toBe(fromKeeper.coveredSince);
    expect(fromOther.messages.map((m) => m.id)).toEqual(fromKeeper.messages.map((m) => m.id));
  });

  it('a new keeper covers from the first event it recorded, so a client that saw that event has no gap', async () => {
    await runInDurableObject(env.REALTIME.get(env.REALTIME.idFromName(`replay-probe:${uniqueId()}`)), async (_instance, state) => {
      const buffer = new ReplayBuffer(state.storage, 60_000);
      const first = Date.now() - 50;
      const message: HubMessage = { id: 'm1', events: [], channels: ['files'], roles: ['any'], timestamp: new Date(first).toISOString(), payload: {} };
      buffer.record([message], first + 20);
      await buffer.flush(first + 300);
      expect(await buffer.window(first, first + 400)).toMatchObject({ coveredSince: first, omitted: false, messages: [message] });
      // Stored: a later instance answers the same.
      expect(await new ReplayBuffer(state.storage, 60_000).coveredSince(first + 500)).toBe(first);
    });
  });
});
