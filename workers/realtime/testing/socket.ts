import { env, exports } from 'cloudflare:workers';
import { expect, vi } from 'vitest';
import { uniqueId } from '../../lib/ids';
import type { SocketIdentity } from '../hub/types';
import { shard } from '../shards';

export type Frame = { type: string; data?: Record<string, unknown> & { code?: number; message?: string } };

/**
 * A realtime client for tests inside workerd: the Worker's own `/v1/realtime` upgrade, every frame
 * kept in order. `settle()` sends the runtime-answered ping and waits for its pong: the hub writes
 * to a socket in order, so every frame sent before the ping has arrived once the pong is in.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  private pongs = 0;

  constructor(readonly ws: WebSocket) {
    ws.addEventListener('message', (e) => {
      const text = String(e.data);
      if (text === '{"type":"pong"}') this.pongs++;
      this.frames.push(JSON.parse(text) as Frame);
    });
    ws.addEventListener('close', (e) => {
      this.closed = { code: e.code, reason: e.reason };
    });
    ws.accept();
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits for the first frame (after `from`) that `match` accepts. */
  async next(match: (f: Frame) => boolean = () => true, from = 0): Promise<Frame> {
    let found: Frame | undefined;
    await vi.waitFor(() => {
      found = this.frames.slice(from).find(match);
      expect(found, `no matching frame in ${JSON.stringify(this.frames.slice(from))}`).toBeDefined();
    }, { timeout: 5000, interval: 5 });
    return found!;
  }

  /** Sends a frame and waits for the reply to it (a `response` to `type`, or an `error`). */
  async request(frame: { type: string; data?: unknown }): Promise<Frame> {
    const from = this.frames.length;
    this.send(frame);
    return this.next((f) => f.type === 'error' || (f.type === 'response' && f.data?.to === frame.type) || (frame.type === 'ping' && f.type === 'pong'), from);
  }

  async subscribe(channels: string[], queries: string[] = [], subscriptionId?: string): Promise<string> {
    const reply = await this.request({ type: 'subscribe', data: [{ channels, queries, ...(subscriptionId ? { subscriptionId } : {}) }] });
    expect(reply.type, JSON.stringify(reply)).toBe('response');
    return (reply.data!.subscriptions as { subscriptionId: string }[])[0].subscriptionId;
  }

  /** Every frame the hub sent before now, once they have all arrived. */
  async settle(): Promise<Frame[]> {
    if (this.closed) return this.frames;
    const want = this.pongs + 1;
    this.ws.send('{"type":"ping"}');
    await vi.waitFor(() => expect(this.pongs >= want || this.closed !== null).toBe(true), { timeout: 5000, interval: 2 });
    return this.frames;
  }

  events(from = 0): Frame[] {
    return this.frames.slice(from).filter((f) => f.type === 'event');
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    await vi.waitFor(() => expect(this.closed).not.toBeNull(), { timeout: 5000, interval: 5 });
    return this.closed!;
  }

  close(): void {
    try {
      this.ws.close(1000, 'done');
    } catch {
      // already closed
    }
  }
}

let ipCounter = 1;

/**
 * Opens `/v1/realtime?project=<the project><query>` with `headers` (a fresh client IP unless one is
 * given); waits for the first frame. `project: null` leaves the project out of the URL.
 */
export async function connect(query = '', headers: Record<string, string> = {}, opts: { project?: string | null } = {}): Promise<TestSocket> {
  const ip = headers['CF-Connecting-IP'] ?? `10.77.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;
  const project = opts.project === null ? '' : `project=${opts.project ?? env.PROJECT_ID}`;
  const res = await exports.default.fetch(
    new Request(`http://ledge.test/v1/realtime?${project}${query}`, { headers: { Upgrade: 'websocket', 'CF-Connecting-IP': ip, ...headers } }),
  );
  expect(res.status).toBe(101);
  const socket = new TestSocket(res.webSocket!);
  await socket.next();
  return socket;
}

/**
 * Opens a socket straight on hub shard `index`, as the Worker would after admitting it (the Worker
 * picks a shard at random), subscribed to `channel`; waits for `connected`.
 */
export async function openOn(index: number, userId: string, roles: string[], channel: string, since: number | null = null): Promise<TestSocket> {
  const identity: SocketIdentity = {
    socketId: uniqueId(), shard: index, userId, sessionId: null, expires: null, roles: ['any', 'users', `user:${userId}`, ...roles], user: null, since,
    legacy: { channels: [channel], subscriptions: [{ index: 0, channels: [channel], queries: [] }] },
  };
  const res = await shard(env, index).fetch('http://hub/connect', { headers: { Upgrade: 'websocket', 'X-Ledge-Socket': JSON.stringify(identity) } });
  const socket = new TestSocket(res.webSocket!);
  await socket.next((f) => f.type === 'connected');
  return socket;
}
