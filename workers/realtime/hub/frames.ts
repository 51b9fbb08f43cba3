import { ApiError } from '../../lib/errors';
import { isValidId, uniqueId } from '../../lib/ids';
import { parseRuntimeQueries } from '../../lib/query';
import { parseDate } from '../../lib/time';
import type { AuthContext } from '../../identity/authenticate';
import { convertChannels, rebindAccountChannels } from '../channels';
import { identifySessionValue } from '../identify';
import { LIMITS } from '../limits';
import { deliverReplay } from './replay-frames';
import type { ReplaySource } from './replay';
import type { HubStore, LiveSocket } from './store';
import type { SubscriptionRequest } from './types';

/**
 * Every frame a client can send, validated as Appwrite's realtime dispatcher validates it
 * (src/Appwrite/Realtime/Message): malformed input is an `error` frame with code 1003 and the
 * socket stays open; breaking a limit is a policy violation (1008) and the socket closes; too
 * many frames a minute is 1013. A frame handler returns the reply to send, or null.
 */
export interface HubContext extends AuthContext {
  store: HubStore;
  /** Replay windows: the keeper's own buffer, or one RPC to it. */
  replay: ReplaySource;
  /** Presence frames (Appwrite 1.9), handled with D1 by the presence store. */
  presence(live: LiveSocket, data: unknown): Promise<Record<string, unknown>>;
}

type Frame = { type?: unknown; data?: unknown };

const formatInvalid = (message: string) => new ApiError('realtime_message_format_invalid', message);
const policy = (message: string) => new ApiError('realtime_policy_violation', message);

export const errorFrame = (err: ApiError) => JSON.stringify({ type: 'error', data: { code: err.code, message: err.message } });
const response = (to: string, data: Record<string, unknown>) => ({ type: 'response', data: { to, ...data } });

/** Parses a text frame into `{type, data}`; anything else is Appwrite's "Message format is not valid." */
export function parseFrame(message: string | ArrayBuffer): Frame {
  if (typeof message !== 'string') throw formatInvalid('Message format is not valid.');
  const units = message.length;
  if (units > LIMITS.frameBytes || (units * 3 > LIMITS.frameBytes && new TextEncoder().encode(message).length > LIMITS.frameBytes)) {
    throw policy(`Message is too large. Frames are limited to ${LIMITS.frameBytes} bytes.`);
  }
  let frame: unknown;
  try {
    frame = JSON.parse(message);
  } catch {
    throw formatInvalid('Message format is not valid.');
  }
  if (frame === null || typeof frame !== 'object' || Array.isArray(frame) || (!('type' in frame) && !('data' in frame))) {
    throw formatInvalid('Message format is not valid.');
  }
  const type = (frame as Frame).type;
  if (type !== undefined && type !== null && typeof type === 'object') throw formatInvalid('Message type is not valid.');
  return frame as Frame;
}

/** Counts a frame against the socket's per-minute budget (kept in its attachment). */
export function countFrame(store: HubStore, live: LiveSocket, now = Date.now()): void {
  const window = Math.floor(now / 60_000) * 60;
  if (live.att.window !== window) {
    live.att.window = window;
    live.att.hits = 0;
  }
  live.att.hits++;
  store.saveAttachment(live);
  if (live.att.hits > LIMITS.messagesPerMinute) throw new ApiError('realtime_too_many_messages', 'Too many messages.');
}

function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

/** Appwrite's SubscribePayload validator, then Ledge's limits. */
function subscribeItems(data: unknown): { subscriptionId: string | null; channels: string[]; queries: unknown[] }[] {
  if (data === undefined) throw formatInvalid('Payload is not valid. Items is required');
  if (!isList(data)) throw formatInvalid('items: Payload is not valid.');
  return data.map((item) => {
    if (item === null || typeof item !== 'object' || isList(item)) throw formatInvalid('items: Each subscribe payload must be an object.');
    const { subscriptionId, channels, queries } = item as Record<string, unknown>;
    if (subscriptionId !== undefined && (typeof subscriptionId !== 'string' || (subscriptionId !== 'unique()' && !isValidId(subscriptionId)))) {
      throw formatInvalid('items: subscriptionId is not a valid id.');
    }
    if (channels === undefined) throw formatInvalid('items: channels is not present in payload.');
    if (!isList(channels)) throw formatInvalid('items: channels is not a valid array.');
    if (!channels.every((c) => typeof c === 'string')) throw formatInvalid('items: channels must contain only strings.');
    if (queries !== undefined && !isList(queries)) throw formatInvalid('items: queries is not a valid array.');
    if (channels.length > LIMITS.channelsPerSubscription) throw policy(`A subscription may name at most ${LIMITS.channelsPerSubscription} channels.`);
    if (channels.some((c) => c.length > LIMITS.channelLength)) throw policy(`Channel names are limited to ${LIMITS.channelLength} characters.`);
    return { subscriptionId: subscriptionId === undefined || subscriptionId === 'unique()' ? null : subscriptionId, channels: channels as string[], queries: queries ?? [] };
  });
}

function parseQueriesForWire(queries: unknown[]) {
  try {
    return parseRuntimeQueries(queries);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    throw formatInvalid(err.message.startsWith('Invalid query') ? err.message : `Invalid query: ${err.message}`);
  }
}

const subscriptionBytes = (s: SubscriptionRequest) => JSON.stringify(s.channels).length + JSON.stringify(s.queries).length;

/** Checks that `live` may hold its subscriptions plus `added` (replacing ids it already has). */
export function assertWithinLimits(live: LiveSocket, added: Map<string, SubscriptionRequest>): void {
  const all = new Map<string, SubscriptionRequest>(live.subs);
  for (const [id, s] of added) all.set(id, s);
  if (all.size > LIMITS.subscriptionsPerSocket) throw policy(`A connection may hold at most ${LIMITS.subscriptionsPerSocket} subscriptions.`);
  let bytes = 0;
  for (const s of all.values()) bytes += subscriptionBytes(s);
  if (bytes > LIMITS.subscriptionBytesPerSocket) throw policy(`A connection's subscriptions are limited to ${LIMITS.subscriptionBytesPerSocket} bytes of channels and queries.`);
}

function subscribe(ctx: HubContext, live: LiveSocket, data: unknown) {
  const items = subscribeItems(data).map((item) => {
    const { filter, strings } = parseQueriesForWire(item.queries);
    return { id: item.subscriptionId ?? uniqueId(), request: { channels: convertChannels(item.channels, live.att.user ?? ''), queries: strings }, filter };
  });
  assertWithinLimits(live, new Map(items.map((i) => [i.id, i.request])));
  for (const item of items) ctx.store.subscribe(live, item.id, item.request, item.filter);
  return response('subscribe', {
    success: true,
    subscriptions: items.map((i) => ({ subscriptionId: i.id, channels: i.request.channels, queries: i.request.queries })),
  });
}

function unsubscribe(ctx: HubContext, live: LiveSocket, data: unknown) {
  if (data === undefined) throw formatInvalid('Payload is not valid. Items is required');
  if (!isList(data)) throw formatInvalid('items: Payload is not valid.');
  const ids = data.map((item) => {
    const id = item !== null && typeof item === 'object' ? (item as Record<string, unknown>).subscriptionId : undefined;
    if (typeof id !== 'string' || id === '') throw formatInvalid('items: Each unsubscribe payload must include a non-empty subscriptionId.');
    return id;
  });
  return response('unsubscribe', { success: true, subscriptions: ids.map((id) => ({ subscriptionId: id, removed: ctx.store.unsubscribe(live, id) })) });
}

async function authenticate(ctx: HubContext, live: LiveSocket, data: unknown) {
  const session = data !== null && typeof data === 'object' && !isList(data) ? (data as Record<string, unknown>).session : undefined;
  if (session === undefined) throw formatInvalid('Payload is not valid. Session is required');
  if (typeof session !== 'string' || session.length > 2048) throw formatInvalid('session: Value must be a valid string and no longer than 2048 chars');
  const who = await identifySessionValue(ctx, session);
  if (!who) throw formatInvalid('Session is not valid.');
  const previous = live.att.user ?? '';
  // The socket may have closed while D1 answered.
  if (!ctx.store.get(live.att.id)) return null;
  Object.assign(live.att, { user: who.userId, session: who.sessionId, expires: who.expires });
  ctx.store.saveAttachment(live);
  ctx.store.setRoles(who.userId, who.roles);
  for (const sub of [...live.subs.values()]) {
    const channels = rebindAccountChannels(sub.channels, previous, who.userId);
    if (channels.join('\n') !== sub.channels.join('\n')) ctx.store.subscribe(live, sub.id, { channels, queries: sub.queries }, sub.filter);
  }
  return response('authentication', { success: true, user: who.user });
}

async function replay(ctx: HubContext, live: LiveSocket, data: unknown) {
  const since = data !== null && typeof data === 'object' && !isList(data) ? (data as Record<string, unknown>).since : undefined;
  if (since === undefined) throw formatInvalid('Payload is not valid. Since is required');
  const ms = typeof since === 'string' ? parseDate(since) : null;
  if (ms === null) throw formatInvalid('since: Value must be a valid date in ISO 8601 format');
  return response('replay', { success: true, ...(await deliverReplay(ctx.store, ctx.replay, live, ms)) });
}

/** Runs one parsed frame; the reply (if any) goes back on the same socket. */
export async function handleFrame(ctx: HubContext, live: LiveSocket, frame: Frame): Promise<Record<string, unknown> | null> {
  switch (frame.type) {
    case 'ping':
      return { type: 'pong' };
    case 'subscribe':
      return subscribe(ctx, live, frame.data);
    case 'unsubscribe':
      return unsubscribe(ctx, live, frame.data);
    case 'authentication':
      return authenticate(ctx, live, frame.data);
    case 'presence':
      return ctx.presence(live, frame.data);
    case 'replay':
      return replay(ctx, live, frame.data);
    default:
      throw formatInvalid('Message type is not valid.');
  }
}
