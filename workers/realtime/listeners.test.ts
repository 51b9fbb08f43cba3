/**
 * A write nobody can hear publishes nothing (hub/listeners.ts): the keeper keeps D1's
 * `realtime_listeners` row, a signed-in create reads it at the end of its own batch, and the
 * realtime sink skips its RPC when no socket is connected anywhere and the replay window since
 * the last one left has passed. A socket's `connected` frame comes only after the row says
 * `listening`, and a client asking for a replay from before a skipped stretch is told of the gap.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { asRoot, callSettled, okJson, signedInUser } from '../../test/helpers';
import { uniqueId } from '../lib/ids';
import { ListenerFlag, MARGIN_MS } from './hub/listeners';
import { openOn, type Frame } from './testing/socket';

const listeners = () => env.DB.prepare('SELECT listening, idle_since FROM realtime_listeners WHERE id = 1').first<{ listening: number; idle_since: number | null }>();
const rowId = (f: Frame) => (f.data!.payload as { $id: string }).$id;

describe('realtime listeners', () => {
  it('a create publishes only while a socket could hear it or ask for its replay', async () => {
    const db = `rl${uniqueId().slice(0, 10)}`;
    await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'RL' } }), 201);
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { method: 'POST', json: { tableId: 'notes', name: 'notes', permissions: ['create("users")', 'read("users")'] } }), 201);
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables/notes/columns/integer`, { method: 'POST', json: { key: 'n', required: true } }), 202);
    const user = await signedInUser();
    const channel = `tablesdb.${db}.tables.notes.rows`;

    let rpcs = 0;
    const REALTIME = new Proxy(env.REALTIME, {
      get(target, prop) {
        if (prop === 'get') return (id: DurableObjectId) => (rpcs++, target.get(id));
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    /** A signed-in create (the one-round-trip path, which probes); resolves after its after-commit work. */
    const create = async (n: number) => {
      rpcs = 0;
      const res = await callSettled(`/v1/tablesdb/${db}/tables/notes/rows`, { method: 'POST', headers: { 'X-Appwrite-Session': user.cookieValue }, json: { rowId: `r${n}`, data: { n } } }, { REALTIME });
      expect(res.status, await res.text()).toBe(201);
      return rpcs;
    };
    await create(0); // caches the table definition: the fast path needs it

    // Nobody has ever listened: no RPC.
    expect(await listeners()).toMatchObject({ listening: 0, idle_since: null });
    expect(await create(1)).toBe(0);

    // A socket's registration says `listening` before its `connected` frame; the next write reaches it.
    const first = await openOn(3, user.user.id, [], channel);
    expect(await listeners()).toMatchObject({ listening: 1 });
    expect(await create(2)).toBeGreaterThan(0);
    const seen = await first.next((f) => f.type === 'event' && rowId(f) === 'r2');

    // The last socket leaves: idle from now, and writes keep publishing for the replay window.
    first.close();
    await vi.waitFor(async () => expect(await listeners()).toMatchObject({ listening: 0, idle_since: expect.any(Number) }), { timeout: 5000 });
    expect(await create(3)).toBeGreaterThan(0);

    // The window has passed (moved back rather than waited for): writes skip.
    const windowMs = Number(env.REALTIME_REPLAY_SECONDS ?? 60) * 1000;
    await env.DB.prepare('UPDATE realtime_listeners SET idle_since = idle_since - ? WHERE id = 1').bind(windowMs + 1000).run();
    expect(await create(4)).toBe(0);

    // Coming back: the replay from before the skipped write reports the gap, not a silent hole.
    const back = await openOn(7, user.user.id, [], channel, Date.parse(String(seen.data!.timestamp)));
    const reply = await back.next((f) => f.type === 'response');
    expect(reply.data).toMatchObject({ to: 'replay', gap: true });
    expect(back.events().map(rowId)).not.toContain('r4');
    expect(await create(5)).toBeGreaterThan(0);
    await back.next((f) => f.type === 'event' && rowId(f) === 'r5');
    back.close();
    await vi.waitFor(async () => expect(await listeners()).toMatchObject({ listening: 0 }), { timeout: 5000 });
  });
});

describe('ListenerFlag', () => {
  const windowMs = 60_000;

  it('arms, idles, and reports a gap only when writes could have skipped', async () => {
    await env.DB.prepare('UPDATE realtime_listeners SET listening = 0, idle_since = NULL WHERE id = 1').run();
    const gaps: number[] = [];
    const flag = new ListenerFlag(env.DB, windowMs, async (from) => void gaps.push(from));
    await flag.arm();
    expect(gaps).toHaveLength(1); // never listened before: anything earlier may have skipped
    expect(await listeners()).toMatchObject({ listening: 1 });
    await flag.idle();
    expect(await listeners()).toMatchObject({ listening: 0, idle_since: expect.any(Number) });
    await flag.arm();
    expect(gaps).toHaveLength(1); // back within the window: every write published
    await flag.idle();
    // Idle for a whole window (less the clock margin): a write may have skipped.
    await env.DB.prepare('UPDATE realtime_listeners SET idle_since = ? WHERE id = 1').bind(Date.now() - windowMs + MARGIN_MS).run();
    const before = Date.now();
    await flag.arm();
    expect(gaps).toHaveLength(2);
    expect(gaps[1]).toBeGreaterThanOrEqual(before);
  });

  it('the latest state wins when an idle and an arm race', async () => {
    const flag = new ListenerFlag(env.DB, windowMs, async () => {});
    await flag.arm();
    const idling = flag.idle();
    const arming = flag.arm();
    await Promise.all([idling, arming]);
    expect(await listeners()).toMatchObject({ listening: 1 });
  });

  it('a failed arm throws and the next one writes again', async () => {
    let fail = true;
    const flaky = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'batch' && fail) return () => Promise.reject(new Error('D1 is down'));
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    await env.DB.prepare('UPDATE realtime_listeners SET listening = 0 WHERE id = 1').run();
    const flag = new ListenerFlag(flaky, windowMs, async () => {});
    await expect(flag.arm()).rejects.toThrow('D1 is down');
    fail = false;
    await flag.arm();
    expect(await listeners()).toMatchObject({ listening: 1 });
  });
});
