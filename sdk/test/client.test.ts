/**
 * The client's transport and helpers without a server: the read-your-writes bookmark, fallback
 * cookies, LedgeError, Appwrite's query-string and path conventions, backoff, the code generator.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { generateTypes } from '../src/codegen';
import { backoffDelay, createClient, LedgeError, Query } from '../src/index';
import { BLOG } from './fixtures';

type Seen = { url: string; method: string; headers: Record<string, string>; body: unknown };

/** A fetch that records requests and answers each with the next of `answers`. */
function recorder(answers: Array<{ status?: number; headers?: Record<string, string>; body?: unknown }>) {
  const seen: Seen[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    seen.push({ url, method: String(init.method), headers: init.headers as Record<string, string>, body: init.body });
    const a = answers.shift() ?? {};
    return new Response(JSON.stringify(a.body ?? {}), { status: a.status ?? 200, headers: { 'content-type': 'application/json', ...a.headers } });
  }) as unknown as typeof globalThis.fetch;
  return { seen, fetch };
}

const config = { endpoint: 'http://ledge.test/v1', project: 'p1' };

describe('read-your-writes bookmark', () => {
  it('sends no bookmark until the server gives one, then the latest on every request', async () => {
    const { seen, fetch } = recorder([{}, { headers: { 'X-Ledge-Bookmark': 'bm-1' } }, {}, { headers: { 'X-Ledge-Bookmark': 'bm-2' } }, {}]);
    const client = createClient({ ...config, fetch });
    const tables = client.tables();
    await client.account.get();
    await tables.createRow({ databaseId: 'd', tableId: 't', rowId: 'r', data: { a: 1 } });
    await tables.getRow({ databaseId: 'd', tableId: 't', rowId: 'r' });
    await client.storage.getFile({ bucketId: 'b', fileId: 'f' });
    await client.functions.getExecution({ functionId: 'fn', executionId: 'e' });
    expect(seen.map((s) => s.headers['x-ledge-bookmark'])).toEqual([undefined, undefined, 'bm-1', 'bm-1', 'bm-2']);
    expect(client.core.bookmark).toBe('bm-2');
  });

  it('keeps the bookmark from an error response too (a refused write still ran reads)', async () => {
    const { seen, fetch } = recorder([{ status: 409, headers: { 'X-Ledge-Bookmark': 'bm-e' }, body: { message: 'exists', code: 409, type: 'row_already_exists' } }, {}]);
    const client = createClient({ ...config, fetch });
    await expect(client.tables().createRow({ databaseId: 'd', tableId: 't', rowId: 'r', data: {} })).rejects.toBeInstanceOf(LedgeError);
    await client.account.get();
    expect(seen[1].headers['x-ledge-bookmark']).toBe('bm-e');
  });
});

describe('transport', () => {
  it('puts path parameters in the path only, queries in Appwrite form, credentials in headers', async () => {
    const { seen, fetch } = recorder([{}, {}]);
    const client = createClient({ ...config, key: 'k1', fetch });
    await client.tables().listRows({ databaseId: 'd 1', tableId: 't', queries: [Query.equal('a', [1, 2]), Query.limit(5)] });
    await client.teams.updateMembership({ teamId: 'T', membershipId: 'M', roles: ['owner'] });
    const url = new URL(seen[0].url);
    expect(url.pathname).toBe('/v1/tablesdb/d%201/tables/t/rows');
    expect(url.searchParams.get('queries[0]')).toBe('{"method":"equal","attribute":"a","values":[1,2]}');
    expect(url.searchParams.get('queries[1]')).toBe('{"method":"limit","values":[5]}');
    expect(seen[0].headers).toMatchObject({ 'x-appwrite-project': 'p1', 'x-appwrite-key': 'k1' });
    expect(seen[1].url).toBe('http://ledge.test/v1/teams/T/memberships/M');
    expect(JSON.parse(String(seen[1].body))).toEqual({ roles: ['owner'] });
  });

  it('takes the session from X-Fallback-Cookies and forgets it on sign-out', async () => {
    const changes: Array<string | undefined> = [];
    const { seen, fetch } = recorder([{ status: 201, headers: { 'X-Fallback-Cookies': JSON.stringify({ a_session_p1: 'sess-value' }) } }, {}, { headers: { 'X-Fallback-Cookies': '[]' } }, {}]);
    const client = createClient({ ...config, fetch, onSession: (s) => changes.push(s) });
    await client.account.createEmailPasswordSession({ email: 'a@b.c', password: 'x' });
    await client.account.get();
    await client.account.deleteSession({ sessionId: 'current' });
    await client.account.get();
    expect(seen.map((s) => s.headers['x-appwrite-session'])).toEqual([undefined, 'sess-value', 'sess-value', undefined]);
    expect(changes).toEqual(['sess-value', undefined]);
  });

  it('rejects with one LedgeError: server errors, network failures, aborts', async () => {
    const { fetch } = recorder([{ status: 404, body: { message: 'Row not found', code: 404, type: 'row_not_found', version: '1.9.6' } }]);
    const err = await createClient({ ...config, fetch }).tables().getRow({ databaseId: 'd', tableId: 't', rowId: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(LedgeError);
    expect(err).toMatchObject({ name: 'LedgeError', code: 404, type: 'row_not_found', message: 'Row not found', response: { version: '1.9.6' } });

    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof globalThis.fetch;
    await expect(createClient({ ...config, fetch: down }).account.get()).rejects.toMatchObject({ code: 0, type: 'network_error' });

    const controller = new AbortController();
    controller.abort();
    const aborting = ((_: string, init: RequestInit) => Promise.reject(init.signal?.reason)) as unknown as typeof globalThis.fetch;
    const file = new Blob(['x']);
    await expect(createClient({ ...config, fetch: aborting }).storage.createFile({ bucketId: 'b', file, signal: controller.signal })).rejects.toMatchObject({ code: 0, type: 'aborted' });
  });
});

/** A WebSocket double the test drives by hand: what the client sends, and server frames and closes on demand. */
function fakeSockets() {
  const sockets: FakeSocket[] = [];
  class FakeSocket {
    readyState = 1;
    sent: Array<{ type: string; data?: any }> = [];
    onmessage: ((e: { data: string }) => void) | null = null;
    onclose: (() => void) | null = null;
    constructor(readonly url: string) {
      sockets.push(this);
    }
    send(text: string) {
      this.sent.push(JSON.parse(text));
    }
    close() {
      this.readyState = 3;
    }
    frame(type: string, data?: unknown) {
      this.onmessage?.({ data: JSON.stringify({ type, data }) });
    }
    drop() {
      this.readyState = 3;
      this.onclose?.();
    }
  }
  return { sockets, WebSocket: FakeSocket as unknown as typeof globalThis.WebSocket };
}

describe('realtime without a server', () => {
  it('authenticates with the session before subscribing, and a policy refusal (1008) is not retried', async () => {
    const { sockets, WebSocket } = fakeSockets();
    const states: string[] = [];
    const client = createClient({ ...config, jwt: undefined, session: 'sess', WebSocket, realtime: { onState: (s) => states.push(s), backoff: { min: 1, max: 2 } } });
    const subscribed = client.realtime.subscribe('account', () => {});
    const ws = sockets[0];
    expect(ws.url).toBe('ws://ledge.test/v1/realtime?project=p1');
    ws.frame('connected', { channels: [], user: null });
    expect(ws.sent).toEqual([{ type: 'authentication', data: { session: 'sess' } }]);
    ws.frame('response', { to: 'authentication', success: true });
    expect(ws.sent[1]).toMatchObject({ type: 'subscribe', data: [{ channels: ['account'], queries: [] }] });
    ws.frame('response', { to: 'subscribe', success: true, subscriptions: [{ subscriptionId: ws.sent[1].data[0].subscriptionId }] });
    await subscribed;
    const errors: unknown[] = [];
    client.realtime.onState(() => errors.push('state'));
    ws.frame('error', { code: 1008, message: 'The session was deleted.' });
    ws.drop();
    await new Promise((r) => setTimeout(r, 20));
    expect(sockets).toHaveLength(1);
    expect(states).toEqual(['connecting', 'open', 'closed']);
  });

  it('re-authenticates an open socket when the client signs in; a subscription the server refuses rejects', async () => {
    const { sockets, WebSocket } = fakeSockets();
    const { fetch } = recorder([{ status: 201, headers: { 'X-Fallback-Cookies': JSON.stringify({ a_session_p1: 'fresh' }) } }]);
    const client = createClient({ ...config, fetch, WebSocket });
    const subscribed = client.realtime.subscribe('rows', () => {});
    const ws = sockets[0];
    ws.frame('connected', {});
    ws.frame('response', { to: 'subscribe', subscriptions: [{ subscriptionId: ws.sent[0].data[0].subscriptionId }] });
    await subscribed;
    await client.account.createEmailPasswordSession({ email: 'a@b.c', password: 'x' });
    expect(ws.sent.at(-1)).toEqual({ type: 'authentication', data: { session: 'fresh' } });

    const pending = client.realtime.subscribe('account', () => {});
    ws.frame('error', { code: 1008, message: 'Too many subscriptions.' });
    ws.drop();
    await expect(pending).rejects.toMatchObject({ name: 'LedgeError', code: 1008, type: 'realtime_policy_violation', message: 'Too many subscriptions.' });
    expect(client.realtime.state).toBe('closed');
  });

  it('retries a refused connection with growing delays and resubscribes under the same id', async () => {
    const { sockets, WebSocket } = fakeSockets();
    const client = createClient({ ...config, jwt: 'a.b.c', WebSocket, realtime: { backoff: { min: 20, max: 200 } } });
    const events: unknown[] = [];
    const subscribed = client.realtime.subscribe(['rows'], (e) => events.push(e.payload));
    expect(sockets[0].url).toBe('ws://ledge.test/v1/realtime?project=p1&jwt=a.b.c');
    sockets[0].frame('connected', {});
    const id = sockets[0].sent[0].data[0].subscriptionId;
    sockets[0].frame('response', { to: 'subscribe', subscriptions: [{ subscriptionId: id }] });
    await subscribed;
    const t1 = new Date().toISOString();
    sockets[0].frame('event', { id: 'e1', timestamp: t1, payload: 1, subscriptions: [id] });
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = Date.now();
      sockets.at(-1)!.drop();
      await vi.waitFor(() => expect(sockets).toHaveLength(i + 2), { timeout: 2000, interval: 2 });
      times.push(Date.now() - before);
    }
    // 20·2^n ms jittered down to half at most: 10+, 20+, 40+, 80+.
    times.forEach((t, n) => expect(t).toBeGreaterThanOrEqual(10 * 2 ** n - 2));
    const last = sockets.at(-1)!;
    last.frame('connected', {});
    expect(last.sent[0]).toMatchObject({ type: 'subscribe', data: [{ subscriptionId: id, channels: ['rows'] }] });
    last.frame('response', { to: 'subscribe', subscriptions: [{ subscriptionId: id }] });
    // Replay from the last event seen (inclusive); its replayed copy is dropped, the missed one delivered.
    expect(last.sent[1]).toEqual({ type: 'replay', data: { since: t1 } });
    last.frame('event', { id: 'e1', timestamp: t1, payload: 1, subscriptions: [id], replay: true });
    last.frame('event', { id: 'e2', timestamp: t1, payload: 2, subscriptions: [id], replay: true });
    last.frame('response', { to: 'replay', success: true, gap: false });
    expect(events).toEqual([1, 2]);
    client.realtime.close();
    expect(client.realtime.state).toBe('closed');
  });
});

describe('backoff', () => {
  it('doubles from min to max, jittered between half and all of it', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, 100, 1000, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, 100, 1000, () => 0))).toEqual([50, 100, 200, 400, 500]);
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(4, 100, 10_000)));
    expect(spread.size).toBeGreaterThan(40);
  });
});

describe('ledge-types code generator', () => {
  it('writes test/types/schema.ts (which the type tests compile against) from the schema models', () => {
    expect(generateTypes(BLOG)).toBe(readFileSync(new URL('./types/schema.ts', import.meta.url), 'utf8'));
  });

  it('names clashing tables apart, quotes odd keys, and types every column kind', () => {
    const text = generateTypes([
      { $id: 'a', name: 'A', tables: [{ $id: 'items', name: 'Items', columns: [{ key: 'n', type: 'double', required: true }, { key: 'odd-key', type: 'boolean', required: false }] }] },
      { $id: 'b', name: 'B', tables: [{ $id: 'items', name: 'Items', columns: [{ key: 'kinds', type: 'string', format: 'enum', elements: ['x', 'y'], array: true, required: true }, { key: 'at', type: 'datetime', required: true }, { key: 'big', type: 'bigint', required: true }] }] },
    ]);
    expect(text).toContain('export interface Items {\n  n: number;\n  "odd-key"?: boolean | null;\n}');
    expect(text).toContain('export interface BItems {\n  kinds: ("x" | "y")[];\n  at: string;\n  big: number;\n}');
    expect(text).toContain('export interface Schema {\n  a: {\n    items: Items;\n  };\n  b: {\n    items: BItems;\n  };\n}');
  });
});
