import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import worker from '../workers/index';
import { makeEvent } from '../workers/events/event';
import { runIsolated } from '../workers/sandbox/isolate';
import { toAppwriteDate } from '../workers/lib/time';
import { makePng } from './png';

// One round trip per binding in wrangler.toml, so every later domain builds on a platform known to work.
describe('bindings', () => {
  it('D1: runs migrated queries', async () => {
    const row = await env.DB.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'users'").first<{ n: number }>();
    expect(row?.n).toBe(1);
  });

  it('R2: puts and gets an object', async () => {
    await env.FILES.put('probe/r2.txt', 'hello r2', { httpMetadata: { contentType: 'text/plain' } });
    const obj = await env.FILES.get('probe/r2.txt');
    expect(await obj?.text()).toBe('hello r2');
    expect(obj?.httpMetadata?.contentType).toBe('text/plain');
  });

  it('RATE_LIMITER: counts hits over RPC and refuses past the limit', async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName('probe:limit'));
    const now = Date.now();
    const first = await stub.hit(2, 60, now);
    const second = await stub.hit(2, 60, now);
    const third = await stub.hit(2, 60, now);
    expect([first.allowed, second.allowed, third.allowed]).toEqual([true, true, false]);
    expect(third.remaining).toBe(0);
    await stub.reset();
    expect((await stub.hit(2, 60, now)).allowed).toBe(true);
  });

  it('REALTIME: accepts a hibernatable socket and publishes to it over RPC', async () => {
    const stub = env.REALTIME.get(env.REALTIME.idFromName('probe:hub'));
    const identity = {
      socketId: 'probe-socket', userId: null, sessionId: null, expires: null, roles: ['any', 'guests'], user: null, since: null,
      legacy: { channels: ['files'], subscriptions: [{ index: 0, channels: ['files'], queries: [] }] },
    };
    const res = await stub.fetch('http://hub/connect', { headers: { Upgrade: 'websocket', 'X-Ledge-Socket': JSON.stringify(identity) } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const frames: string[] = [];
    ws.addEventListener('message', (e) => {
      frames.push(String(e.data));
    });
    ws.accept();
    expect(await stub.connections()).toBe(1);
    const message = (roles: string[]) => ({ id: 'e1', channels: ['files'], roles, events: ['buckets.b.files.f.create'], payload: { $id: 'f' }, timestamp: toAppwriteDate(0) });
    expect(await stub.publish({ messages: [message(['any'])] })).toBe(1);
    expect(await stub.publish({ messages: [message(['user:someone-else'])] })).toBe(0);
    await vi.waitFor(() => expect(frames.length).toBe(2));
    const connected = JSON.parse(frames[0]);
    expect(connected).toMatchObject({ type: 'connected', data: { channels: ['files'], user: null } });
    expect(JSON.parse(frames[1])).toMatchObject({ type: 'event', data: { subscriptions: connected.data.subscriptions, payload: { $id: 'f' } } });
    ws.send(JSON.stringify({ type: 'ping' }));
    await vi.waitFor(() => expect(frames).toContain('{"type":"pong"}'));
    ws.close(1000, 'done');
  });

  it('EVENTS: a sent event is consumed once, and a redelivery is not handled twice', async () => {
    const event = makeEvent(['probe.consume'], { hello: 'queue' }, ['any']);
    await env.EVENTS.send(event);
    await vi.waitFor(
      async () => {
        const row = await env.DB.prepare('SELECT event FROM event_receipts WHERE message_id = ?').bind(event.id).first();
        expect(row).toEqual({ event: 'probe.consume' });
      },
      { timeout: 10_000, interval: 100 },
    );
    const batch = createMessageBatch('ledge-events', [{ id: 'm-again', timestamp: new Date(), attempts: 1, body: event }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(['m-again']);
  });

  it('EVENTS: a message that is not an event is retried, then dead-lettered and kept', async () => {
    const batch = createMessageBatch('ledge-events', [{ id: 'm-bad', timestamp: new Date(), attempts: 1, body: { nonsense: true } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([{ msgId: 'm-bad' }]);

    await env.EVENTS.send({ nonsense: 'through the real queue' });
    await vi.waitFor(
      async () => {
        const row = await env.DB.prepare("SELECT body, attempts FROM dead_letters WHERE body LIKE '%through the real queue%'").first<{ attempts: number }>();
        expect(row).not.toBeNull();
      },
      { timeout: 25_000, interval: 250 },
    );
  });

  it('LOADER: runs code in a sandboxed isolate without network', async () => {
    const source = `export default { async fetch(req) {
      let network = 'open';
      try { await fetch('https://example.com/'); } catch { network = 'blocked'; }
      return Response.json({ sum: 20 + 22, path: new URL(req.url).pathname, network });
    } }`;
    const res = await runIsolated(env.LOADER, { id: 'probe-sum', source }, new Request('http://fn/run'));
    expect(await res.json()).toEqual({ sum: 42, path: '/run', network: 'blocked' });
  });

  it('IMAGES: transforms a PNG', async () => {
    const png = await makePng(8, 6);
    const info = await env.IMAGES.info(new Blob([png]).stream());
    expect(info).toMatchObject({ format: 'image/png', width: 8, height: 6 });
    const out = await env.IMAGES.input(new Blob([png]).stream()).transform({ width: 4 }).output({ format: 'image/webp' });
    const resized = await env.IMAGES.info(out.image());
    expect(resized).toMatchObject({ format: 'image/webp', width: 4, height: 3 });
  });

  it('cron: the scheduled handler removes expired sessions and tokens', async () => {
    const past = toAppwriteDate(Date.now() - 1000);
    const future = toAppwriteDate(Date.now() + 3_600_000);
    const now = toAppwriteDate(Date.now());
    await env.DB.batch([
      env.DB.prepare("INSERT INTO sessions (id, user_id, secret_hash, provider, expire, created_at, updated_at) VALUES ('s-old', 'u', 'h1', 'email', ?, ?, ?)").bind(past, now, now),
      env.DB.prepare("INSERT INTO sessions (id, user_id, secret_hash, provider, expire, created_at, updated_at) VALUES ('s-live', 'u', 'h2', 'email', ?, ?, ?)").bind(future, now, now),
      env.DB.prepare("INSERT INTO tokens (id, user_id, type, secret_hash, expire, created_at) VALUES ('t-old', 'u', 'recovery', 'h3', ?, ?)").bind(past, now),
    ]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '*/5 * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
    const ids = await env.DB.prepare("SELECT id FROM sessions WHERE id IN ('s-old','s-live') UNION ALL SELECT id FROM tokens WHERE id = 't-old'").all();
    expect(ids.results).toEqual([{ id: 's-live' }]);
  });

  it('the Worker exports fetch, queue, scheduled and both Durable Object classes', async () => {
    expect(typeof worker.fetch).toBe('function');
    expect(typeof worker.queue).toBe('function');
    expect(typeof worker.scheduled).toBe('function');
    const res = await exports.default.fetch('http://ledge.test/v1/ping');
    expect(res.status).toBe(200);
  });
});

