/**
 * The hub shard as durable state: sockets survive hibernation and eviction with their
 * subscriptions and roles (nothing lives only in memory), and the replay buffer answers a
 * reconnecting client with what it missed, ACL-filtered, or says the gap is too long.
 */
import { env } from 'cloudflare:workers';
import { evictAllDurableObjects, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { asRoot, okJson, signedInUser } from '../../test/helpers';
import { uniqueId } from '../lib/ids';
import { toAppwriteDate } from '../lib/time';
import { ReplayBuffer } from './hub/replay';
import type { HubMessage } from './hub/types';
import { connect, type Frame } from './testing/socket';

const cookieOf = (u: { cookieValue: string }) => ({ Cookie: `a_session_${env.PROJECT_ID}=${u.cookieValue}` });
const rowId = (f: Frame) => (f.data!.payload as { $id: string }).$id;

async function teamTable() {
  const db = `rt${uniqueId()}`;
  const teamId = `team${uniqueId()}`;
  await okJson(await asRoot('/v1/teams', { method: 'POST', json: { teamId, name: 'Crew' } }), 201);
  await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'RT' } }), 201);
  await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { method: 'POST', json: { tableId: 'notes', name: 'Notes', permissions: [`read("team:${teamId}")`] } }), 201);
  await okJson(await asRoot(`/v1/tablesdb/${db}/tables/notes/columns/integer`, { method: 'POST', json: { key: 'n', required: true } }), 202);
  return { db, teamId, rows: `/v1/tablesdb/${db}/tables/notes/rows`, channel: `tablesdb.${db}.tables.notes.rows` };
}

describe('eviction', () => {
  it('sockets keep their subscriptions, queries and roles across hibernation and eviction', async () => {
    const t = await teamTable();
    const member = await signedInUser();
    const stranger = await signedInUser();
    const memberSocket = await connect('', cookieOf(member));
    const strangerSocket = await connect('', cookieOf(stranger));
    const big = await memberSocket.subscribe([t.channel], [JSON.stringify({ method: 'greaterThan', attribute: 'n', values: [10] })], 'big');
    await memberSocket.subscribe(['memberships'], [], 'mine');
    await strangerSocket.subscribe([t.channel], [], 'all');
    // The role arrives after the socket opened, through the realtime sink's role update.
    await okJson(await asRoot(`/v1/teams/${t.teamId}/memberships`, { method: 'POST', json: { userId: member.user.id, roles: [] } }), 201);
    await memberSocket.next((f) => f.type === 'event' && f.data!.subscriptions !== undefined && (f.data!.subscriptions as string[]).includes('mine'));

    const generations: number[] = [];
    const probe = async () => {
      for (let i = 0; i < 16; i++) {
        await runInDurableObject(env.REALTIME.get(env.REALTIME.idFromName(`shard:${i}`)), (instance) => {
          const marked = instance as unknown as { generation?: number };
          generations.push(marked.generation ?? 0);
          marked.generation = 1;
        });
      }
    };
    await probe();
    await evictAllDurableObjects();
    generations.length = 0;
    await probe();
    // Every shard is a fresh instance: nothing in memory survived.
    expect(generations.every((g) => g === 0)).toBe(true);

    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'small', data: { n: 1 } } }), 201);
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'large', data: { n: 50 } } }), 201);
    const event = await memberSocket.next((f) => f.type === 'event' && rowId(f) === 'large');
    expect(event.data!.subscriptions).toEqual([big]);
    await memberSocket.settle();
    expect(memberSocket.events().filter((f) => rowId(f) === 'small')).toEqual([]);
    await strangerSocket.settle();
    expect(strangerSocket.events()).toEqual([]);
    // The evicted hub still answers frames on the old socket.
    expect((await memberSocket.request({ type: 'unsubscribe', data: [{ subscriptionId: big }] })).data).toMatchObject({ subscriptions: [{ subscriptionId: big, removed: true }] });
    memberSocket.close();
    strangerSocket.close();
  });
});

describe('hidden payload parts', () => {
  it('removes a related row from the payload for a receiver who may not read it', async () => {
    const stub = env.REALTIME.get(env.REALTIME.idFromName(`hidden-probe:${uniqueId()}`));
    const open = async (userId: string | null, roles: string[]) => {
      const identity = {
        socketId: uniqueId(), userId, sessionId: userId ? 's1' : null, expires: null, roles, user: null, since: null,
        legacy: { channels: ['rows'], subscriptions: [{ index: 0, channels: ['rows'], queries: [] }] },
      };
      const res = await stub.fetch('http://hub/connect', { headers: { Upgrade: 'websocket', 'X-Ledge-Socket': JSON.stringify(identity) } });
      const frames: Frame[] = [];
      res.webSocket!.addEventListener('message', (e) => {
        frames.push(JSON.parse(String(e.data)));
      });
      res.webSocket!.accept();
      return { ws: res.webSocket!, frames };
    };
    const reader = await open('u1', ['any', 'users', 'user:u1', 'team:crew']);
    const outsider = await open('u2', ['any', 'users', 'user:u2']);
    const payload = { $id: 'r1', title: 'post', author: { $id: 'a1', name: 'secret' }, tags: [{ $id: 't1' }, { $id: 't2' }, { $id: 't3' }] };
    const delivered = await stub.publish({
      messages: [{
        id: 'e1', events: ['databases.d.tables.t.rows.r1.create'], channels: ['rows'], roles: ['users'], timestamp: toAppwriteDate(Date.now()), payload,
        hidden: [{ path: ['author'], roles: ['team:crew'] }, { path: ['tags', 0], roles: ['team:crew'] }, { path: ['tags', 2], roles: ['team:crew'] }],
      }],
    });
    expect(delivered).toBe(2);
    const eventOf = async (s: { frames: Frame[] }) => {
      await vi.waitFor(() => expect(s.frames.some((f) => f.type === 'event')).toBe(true));
      return s.frames.find((f) => f.type === 'event')!.data!.payload;
    };
    expect(await eventOf(reader)).toEqual(payload);
    expect(await eventOf(outsider)).toEqual({ $id: 'r1', title: 'post', tags: [{ $id: 't2' }] });
    reader.ws.close();
    outsider.ws.close();
  });
});

describe('replay (Ledge extension)', () => {
  it('a reconnecting client gets what it missed since its last timestamp, still ACL-filtered', async () => {
    const t = await teamTable();
    const member = await signedInUser();
    await okJson(await asRoot(`/v1/teams/${t.teamId}/memberships`, { method: 'POST', json: { userId: member.user.id, roles: [] } }), 201);
    const first = await connect('', cookieOf(member));
    await first.subscribe([t.channel]);
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'a', data: { n: 1 } } }), 201);
    const seen = await first.next((f) => f.type === 'event' && rowId(f) === 'a');
    first.close();
    // Missed while away:
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'b', data: { n: 2 } } }), 201);
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'c', data: { n: 3 } } }), 201);
    await new Promise((r) => setTimeout(r, 100));

    const again = await connect('', cookieOf(member));
    const sub = await again.subscribe([t.channel]);
    const reply = await again.request({ type: 'replay', data: { since: seen.data!.timestamp } });
    expect(reply.data).toMatchObject({ to: 'replay', success: true, gap: false, since: seen.data!.timestamp });
    const replayed = again.events();
    // Inclusive of `since`: the client drops the ids it already has (here `a`).
    expect(replayed.map(rowId)).toEqual(['a', 'b', 'c']);
    expect(reply.data!.replayed).toBe(3);
    for (const f of replayed) expect(f.data).toMatchObject({ replay: true, subscriptions: [sub] });
    expect(replayed[0].data!.id).toBe(seen.data!.id);

    const stranger = await connect('', cookieOf(await signedInUser()));
    await stranger.subscribe([t.channel]);
    expect((await stranger.request({ type: 'replay', data: { since: seen.data!.timestamp } })).data).toMatchObject({ replayed: 0 });
    expect(stranger.events()).toEqual([]);

    const tooOld = await again.request({ type: 'replay', data: { since: '2000-01-01T00:00:00.000+00:00' } });
    expect(tooOld.data).toMatchObject({ gap: true });
    again.close();
    stranger.close();
  });

  it('replays right after `connected` in legacy URL mode with ?since=', async () => {
    const t = await teamTable();
    const member = await signedInUser();
    await okJson(await asRoot(`/v1/teams/${t.teamId}/memberships`, { method: 'POST', json: { userId: member.user.id, roles: [] } }), 201);
    const since = toAppwriteDate(Date.now() - 1);
    await okJson(await asRoot(t.rows, { method: 'POST', json: { rowId: 'x', data: { n: 1 } } }), 201);
    await new Promise((r) => setTimeout(r, 100));
    const socket = await connect(`&channels[]=${encodeURIComponent(t.channel)}&since=${encodeURIComponent(since)}`, cookieOf(member));
    const reply = await socket.next((f) => f.type === 'response');
    expect(reply.data).toMatchObject({ to: 'replay', replayed: 1, gap: false });
    expect(socket.frames.map((f) => f.type)).toEqual(['connected', 'event', 'response']);
    socket.close();
  });

  it('forgets messages once they leave the window, and reports the gap', async () => {
    const stub = env.REALTIME.get(env.REALTIME.idFromName(`replay-probe:${uniqueId()}`));
    await runInDurableObject(stub, async (_instance, state) => {
      const buffer = new ReplayBuffer(state.storage, 60_000);
      // A new shard covers only the time since it was created.
      const created = await buffer.coveredSince();
      expect(Date.now() - created).toBeLessThan(5_000);
      const message = (id: string, at: number): HubMessage => ({ id, events: [], channels: ['files'], roles: ['any'], timestamp: toAppwriteDate(at), payload: {} });
      const ids = async (since: number, now: number) => (await buffer.since(since, now)).messages.map((m) => m.id);
      buffer.record([message('m1', created + 1_000)], created + 1_000);
      await buffer.flush(created + 1_000);
      buffer.record([message('m2', created + 30_000)], created + 30_000);
      // Pending (not yet flushed) messages are replayed too.
      expect(await ids(created, created + 30_000)).toEqual(['m1', 'm2']);
      await buffer.flush(created + 30_000);
      expect(await buffer.coveredSince(created + 30_000)).toBe(created);
      // 70 s later m1 has left the window (and storage); the buffer covers only the last 60 s.
      buffer.record([message('m3', created + 70_000)], created + 70_000);
      await buffer.flush(created + 70_000);
      expect(await ids(created, created + 70_000)).toEqual(['m2', 'm3']);
      expect([...(await state.storage.list({ prefix: 'replay:' })).values()].map((m) => (m as HubMessage).id)).toEqual(['m2', 'm3']);
      expect(await buffer.coveredSince(created + 70_000)).toBe(created + 10_000);
      // A message too large to keep is reported as a gap rather than silently missing.
      buffer.record([{ ...message('huge', created + 71_000), payload: { blob: 'x'.repeat(1_100_000) } }], created + 71_000);
      await buffer.flush(created + 71_000);
      expect(await buffer.since(created + 70_500, created + 72_000)).toEqual({ messages: [], omitted: true });
    });
  });
});
