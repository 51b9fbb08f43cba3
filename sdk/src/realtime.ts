import { uniqueId, type Core } from './core';
import { LedgeError } from './error';

export type RealtimeState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface RealtimeEvent<T = any> {
  events: string[];
  channels: string[];
  timestamp: string;
  payload: T;
  subscriptions: string[];
  /** The event id (Ledge). */
  id?: string;
  /** Delivered from the server's replay buffer after a reconnect (Ledge). */
  replay?: boolean;
}

/** Events may have been missed: `since` is older than what the server still holds (`bufferStart`). Refetch. */
export interface RealtimeGap {
  since: string;
  bufferStart: string;
}

export interface RealtimeOptions {
  /** Ping interval in ms (default 20 s); a socket silent for `heartbeat + timeout` is dropped and replaced. */
  heartbeat?: number;
  timeout?: number;
  /** Reconnect delays: exponential from `min` to `max` ms, with jitter (defaults 500 ms, 30 s). */
  backoff?: { min?: number; max?: number };
  onState?: (state: RealtimeState) => void;
  onGap?: (gap: RealtimeGap) => void;
  /** Frames the server refused (`{ code, message }`); 1008 ends the connection for good. */
  onError?: (error: { code: number; message: string }) => void;
}

export interface Subscription {
  id: string;
  unsubscribe(): void;
  /** Alias of `unsubscribe`, as in appwrite@27. */
  close(): void;
}

interface Sub {
  channels: string[];
  queries: string[];
  callback: (event: RealtimeEvent) => void;
  onGap?: (gap: RealtimeGap) => void;
  ready: () => void;
  fail: (error: LedgeError) => void;
}

/** Equal-jitter exponential backoff: between half and all of `min·2^attempt`, capped at `max`. */
export function backoffDelay(attempt: number, min = 500, max = 30_000, random = Math.random): number {
  const ceiling = Math.min(max, min * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * One WebSocket to `/v1/realtime` for all subscriptions, which survives bad networks: it reconnects
 * with backoff, resubscribes (same subscription ids), asks the server's replay buffer for what was
 * published while it was away (dropping events it already has), and calls `onGap` when the buffer
 * no longer reaches back that far. Connects on the first subscription, closes after the last.
 */
export function createRealtime(core: Core, options: RealtimeOptions = {}) {
  const subs = new Map<string, Sub>();
  const listeners = new Set<(s: RealtimeState) => void>();
  const heartbeat = options.heartbeat ?? 20_000;
  const timeout = options.timeout ?? 10_000;
  let ws: WebSocket | undefined;
  let state: RealtimeState = 'closed';
  let attempt = 0;
  let everOpen = false;
  let fatal = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let beat: ReturnType<typeof setInterval> | undefined;
  let heard = 0;
  // Replay position: the newest event timestamp seen and the ids seen at it (replay is inclusive).
  let since: string | undefined;
  let seenAt = new Set<string>();
  // How far the local clock runs ahead of the server's (plus the least latency seen), from events.
  let skew = Infinity;
  // Where a reconnect asks the replay buffer to start (server time, ms).
  let resume = 0;
  let refusal = new LedgeError('The realtime connection was closed', 0, 'realtime_closed');

  const setState = (s: RealtimeState) => {
    if (s == state) return;
    state = s;
    options.onState?.(s);
    for (const l of listeners) l(s);
  };
  const send = (type: string, data?: unknown) => ws?.readyState == 1 && ws.send(JSON.stringify({ type, data }));
  const frame = (id: string, s: Sub) => ({ subscriptionId: id, channels: s.channels, queries: s.queries });

  function connect() {
    clearTimeout(retry);
    setState(everOpen ? 'reconnecting' : 'connecting');
    const { endpoint, project, jwt } = core.config;
    const url = `${endpoint.replace(/^http/, 'ws').replace(/\/$/, '')}/realtime?project=${encodeURIComponent(project)}${jwt ? `&jwt=${encodeURIComponent(jwt)}` : ''}`;
    const socket = new (core.config.WebSocket ?? WebSocket)(url);
    ws = socket;
    heard = Date.now();
    socket.onmessage = (e) => socket == ws && receive(JSON.parse(String(e.data)));
    socket.onclose = () => socket == ws && lost();
    clearInterval(beat);
    beat = setInterval(() => {
      if (Date.now() - heard > heartbeat + timeout) lost();
      else send('ping');
    }, heartbeat);
  }

  /** The socket closed or went silent: drop it and, unless closed on purpose, try again later. */
  function lost() {
    // From the newer of the last event and the last frame heard (a pong proves nothing was missed
    // before it), in server time and a second early: an idle socket asks only for the last moments.
    if (state == 'open') resume = Math.max(since ? Date.parse(since) : 0, heard - (skew < Infinity ? skew : 0) - 1000);
    const socket = ws;
    ws = undefined;
    clearInterval(beat);
    if (socket) {
      socket.onmessage = socket.onclose = null;
      if (socket.readyState < 2) socket.close();
    }
    if (fatal || subs.size == 0) {
      // Refused for good: subscriptions still waiting for the server's answer are told so.
      for (const s of subs.values()) s.fail(refusal);
      return setState('closed');
    }
    setState(everOpen ? 'reconnecting' : 'connecting');
    retry = setTimeout(connect, backoffDelay(attempt++, options.backoff?.min, options.backoff?.max));
  }

  function subscribeAll() {
    if (subs.size) send('subscribe', [...subs].map(([id, s]) => frame(id, s)));
  }

  function receive(msg: { type: string; data: any }) {
    heard = Date.now();
    const d = msg.data;
    if (msg.type == 'connected') {
      if (core.config.session && !core.config.jwt) send('authentication', { session: core.config.session });
      else subscribeAll();
    } else if (msg.type == 'error') {
      if (d?.code == 1008) (fatal = true), (refusal = new LedgeError(d.message, d.code, 'realtime_policy_violation', d));
      options.onError?.(d);
    } else if (msg.type == 'event') {
      if (d.id && d.timestamp == since && seenAt.has(d.id)) return;
      if (!since || Date.parse(d.timestamp) > Date.parse(since)) (since = d.timestamp), (seenAt = new Set());
      if (d.id) seenAt.add(d.id);
      skew = Math.min(skew, Date.now() - Date.parse(d.timestamp));
      for (const id of d.subscriptions ?? []) subs.get(id)?.callback(d);
    } else if (msg.type == 'response') {
      if (d.to == 'authentication') subscribeAll();
      else if (d.to == 'subscribe') {
        for (const s of d.subscriptions ?? []) subs.get(s.subscriptionId)?.ready();
        if (state != 'open') {
          const again = everOpen;
          everOpen = true;
          attempt = 0;
          setState('open');
          if (again) send('replay', { since: new Date(resume).toISOString() });
        }
      } else if (d.to == 'replay' && d.gap) {
        const gap = { since: d.since, bufferStart: d.bufferStart };
        options.onGap?.(gap);
        for (const s of subs.values()) s.onGap?.(gap);
      }
    }
  }

  // A sign-in on this client makes the open socket that user's (the server rebinds account channels).
  // A sign-out needs nothing: the server closes the deleted session's sockets (1008).
  core.watchSession((session) => session && state == 'open' && send('authentication', { session }));

  function close() {
    subs.clear();
    clearTimeout(retry);
    lost();
  }

  return {
    get state() {
      return state;
    },
    /** Calls `listener` on every state change; returns the function that stops it. */
    onState(listener: (s: RealtimeState) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /**
     * Listens to `channels` (Appwrite's names: `account`, `tablesdb.<db>.tables.<t>.rows`, `files`, …),
     * optionally filtered by realtime queries. Resolves once the server has acknowledged it.
     */
    subscribe<T = any>(
      channels: string | string[],
      callback: (event: RealtimeEvent<T>) => void,
      opts: { queries?: string[]; onGap?: (gap: RealtimeGap) => void } = {},
    ): Promise<Subscription> {
      const id = uniqueId();
      const unsubscribe = () => {
        if (!subs.delete(id)) return;
        if (subs.size == 0) return close();
        send('unsubscribe', [{ subscriptionId: id }]);
      };
      return new Promise((resolve, reject) => {
        const sub: Sub = {
          channels: ([] as string[]).concat(channels), queries: opts.queries ?? [], callback, onGap: opts.onGap,
          ready: () => resolve({ id, unsubscribe, close: unsubscribe }),
          fail: (e) => (subs.delete(id), reject(e)),
        };
        subs.set(id, sub);
        fatal = false;
        if (!ws && state != 'reconnecting' && state != 'connecting') connect();
        else if (state == 'open') send('subscribe', [frame(id, sub)]);
      });
    },
    /** Closes the connection and forgets every subscription. */
    close,
  };
}
