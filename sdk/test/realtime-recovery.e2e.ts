/**
 * Realtime that recovers, against the built Worker through a relay that breaks the connection:
 * a server close, a network error and a stalled link (found by the heartbeat). Each time the client
 * reports its states, reconnects with backoff, resubscribes under the same subscription id and
 * gets what was published while it was away from the server's replay buffer, once. A second Ledge
 * with a one-second buffer proves that a longer gap fires `onGap`.
 */
import { ID, Permission, Role, TablesDB as ServerTablesDB, Users, Client as ServerClient } from 'node-appwrite';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
// @ts-expect-error plain ESM helper
import { startLedge } from '../../scripts/ledge-server.mjs';
import { createClient, type RealtimeEvent, type RealtimeGap, type RealtimeState } from '../src/index';
import { ledge, uniqueEmail } from './support/ledge';
import { startProxy } from './support/proxy';

const PASSWORD = 'a-good-password-1';
type Post = { $id: string; title: string };
type Ledge = { endpoint: string; projectId: string; rootKey: string };

/** A database with one users-only table on `target`, and a signed-in user's session there. */
async function setUp(target: Ledge) {
  const server = new ServerClient().setEndpoint(target.endpoint).setProject(target.projectId).setKey(target.rootKey);
  const admin = new ServerTablesDB(server);
  const databaseId = `rt${Date.now().toString(36)}`;
  await admin.create({ databaseId, name: 'Realtime recovery' });
  await admin.createTable({ databaseId, tableId: 'posts', name: 'Posts', permissions: [Permission.read(Role.users()), Permission.create(Role.users())] });
  await admin.createStringColumn({ databaseId, tableId: 'posts', key: 'title', size: 50, required: true });
  const email = uniqueEmail('rt');
  await new Users(server).create({ userId: ID.unique(), email, password: PASSWORD });
  const writer = createClient({ endpoint: target.endpoint, project: target.projectId });
  await writer.account.createEmailPasswordSession({ email, password: PASSWORD });
  const write = (title: string) => writer.tables().createRow({ databaseId, tableId: 'posts', rowId: title, data: { title } });
  return { databaseId, session: writer.core.config.session!, write };
}

/** A listener whose realtime goes through `proxy`, with short heartbeats and backoff. */
async function listen(target: Ledge, proxyEndpoint: string, session: string, databaseId: string) {
  const states: RealtimeState[] = [];
  const gaps: RealtimeGap[] = [];
  const events: RealtimeEvent<Post>[] = [];
  const c = createClient({
    endpoint: proxyEndpoint, project: target.projectId, session,
    realtime: { heartbeat: 500, timeout: 700, backoff: { min: 100, max: 800 }, onState: (s) => states.push(s) },
  });
  const sub = await c.realtime.subscribe<Post>(`tablesdb.${databaseId}.tables.posts.rows`, (e) => events.push(e), { onGap: (g) => gaps.push(g) });
  const titles = () => events.map((e) => e.payload.title);
  return { c, sub, states, gaps, events, titles };
}

describe('realtime recovery', () => {
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  beforeAll(async () => {
    proxy = await startProxy(new URL(ledge.endpoint));
  });
  afterAll(() => proxy.close());

  it('reconnects after a server close, a network error and a stalled link; resubscribes; replays what it missed, once', async () => {
    const { databaseId, session, write } = await setUp(ledge);
    const l = await listen(ledge, proxy.endpoint, session, databaseId);
    await write('a');
    await vi.waitFor(() => expect(l.titles()).toEqual(['a']), { timeout: 10_000 });

    // 1. The server closes the socket; while it is away (reconnects refused), two rows are written.
    proxy.down = true;
    proxy.serverClose();
    await vi.waitFor(() => expect(l.states.at(-1)).toBe('reconnecting'));
    await write('b');
    await write('c');
    await new Promise((r) => setTimeout(r, 400)); // a few refused reconnects (backoff grows)
    proxy.down = false;
    await vi.waitFor(() => expect(l.titles()).toEqual(['a', 'b', 'c']), { timeout: 10_000 });
    expect(l.events.slice(1).every((e) => e.replay === true)).toBe(true);
    expect(l.states.at(-1)).toBe('open');

    // Live events reach the same subscription on the new socket.
    await write('d');
    await vi.waitFor(() => expect(l.titles()).toEqual(['a', 'b', 'c', 'd']), { timeout: 10_000 });
    expect(l.events.at(-1)!.replay).toBeUndefined();
    expect(l.events.at(-1)!.subscriptions).toEqual([l.sub.id]);

    // 2. A network error (connection reset).
    proxy.down = true;
    proxy.networkError();
    await vi.waitFor(() => expect(l.states.at(-1)).toBe('reconnecting'));
    await write('e');
    proxy.down = false;
    await vi.waitFor(() => expect(l.titles()).toEqual(['a', 'b', 'c', 'd', 'e']), { timeout: 10_000 });

    // 3. A stalled link: nothing closes, the heartbeat finds it (500 ms + 700 ms) and replaces it.
    proxy.stall();
    await write('f');
    await vi.waitFor(() => expect(l.titles()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']), { timeout: 10_000 });

    expect(l.states).toEqual(['connecting', 'open', 'reconnecting', 'open', 'reconnecting', 'open', 'reconnecting', 'open']);
    expect(l.gaps).toEqual([]);
    expect(new Set(l.events.map((e) => e.id)).size).toBe(l.events.length);
    l.c.realtime.close();
    expect(l.states.at(-1)).toBe('closed');
  });

  it('replays to a subscriber that had heard no event yet when the connection dropped', async () => {
    const { databaseId, session, write } = await setUp(ledge);
    const l = await listen(ledge, proxy.endpoint, session, databaseId);
    await new Promise((r) => setTimeout(r, 1200)); // idle, with pongs
    proxy.down = true;
    proxy.networkError();
    await write('missed');
    await new Promise((r) => setTimeout(r, 300));
    proxy.down = false;
    await vi.waitFor(() => expect(l.titles()).toEqual(['missed']), { timeout: 10_000 });
    expect(l.events[0].replay).toBe(true);
    expect(l.gaps).toEqual([]);
    l.c.realtime.close();
  });

  it('fires onGap when the connection was gone longer than the replay buffer', async () => {
    // Another Ledge from the same bundle whose shards keep one second of events.
    const short = await startLedge({ script: inject('bundlePath'), vars: { ALLOWED_ORIGINS: 'http://app.test', RATE_LIMITS: 'disabled', REALTIME_REPLAY_SECONDS: '1' } });
    const relay = await startProxy(new URL(short.endpoint));
    try {
      const { databaseId, session, write } = await setUp(short);
      const l = await listen(short, relay.endpoint, session, databaseId);
      await write('before');
      await vi.waitFor(() => expect(l.titles()).toEqual(['before']), { timeout: 10_000 });
      const seen = l.events[0].timestamp;

      relay.down = true;
      relay.networkError();
      await write('during');
      await new Promise((r) => setTimeout(r, 2500));
      relay.down = false;
      await vi.waitFor(() => expect(l.gaps).toHaveLength(1), { timeout: 10_000 });
      expect(Date.parse(l.gaps[0].since)).toBeGreaterThanOrEqual(Date.parse(seen));
      expect(Date.parse(l.gaps[0].bufferStart)).toBeGreaterThan(Date.parse(seen));
      expect(l.states.slice(-2)).toEqual(['reconnecting', 'open']);
      // Still subscribed: live events flow again.
      await write('after');
      await vi.waitFor(() => expect(l.titles()).toContain('after'), { timeout: 10_000 });
      l.c.realtime.close();
    } finally {
      await relay.close();
      await short.dispose();
    }
  });
});
