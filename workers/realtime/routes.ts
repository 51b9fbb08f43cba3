import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { clientIp } from '../http/request';
import { ApiError, toApiError } from '../lib/errors';
import { uniqueId } from '../lib/ids';
import { parseDate } from '../lib/time';
import { isAllowedOrigin } from '../middleware/cors';
import { convertChannels } from './channels';
import { GUEST_ROLES, IDENTITY_HEADER, type SocketIdentity } from './hub/types';
import { identifyUpgrade } from './identify';
import { urlChannels, urlSubscriptions } from './legacy';
import { LIMITS } from './limits';
import { randomShard, shard } from './shards';

type C = Context<AppEnv>;

const policy = (message: string) => new ApiError('realtime_policy_violation', message);

/**
 * Everything Appwrite checks when a realtime socket opens (app/realtime.php `onOpen`), in its
 * order: the project, connections per IP per minute, the origin, who the caller is, and in legacy
 * URL mode the channels and their queries. Any refusal becomes an `error` frame on the socket.
 */
async function admit(c: C): Promise<SocketIdentity> {
  const config = c.get('config');
  const url = new URL(c.req.url);
  if ((url.searchParams.get('project') ?? c.req.header('X-Appwrite-Project')) !== config.projectId) throw policy('Missing or unknown project ID');

  if (config.rateLimits) {
    const key = `url:/v1/realtime,ip:${clientIp(c.req.raw.headers)}`;
    const hit = await c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(key)).hit(LIMITS.connectionsPerMinute, 60);
    if (!hit.allowed) throw new ApiError('realtime_too_many_messages', 'Too many requests');
  }

  const origin = c.req.header('Origin');
  if (origin && !isAllowedOrigin(origin, config)) throw policy(new ApiError('general_unknown_origin').message);

  const who = await identifyUpgrade(c, c.req.raw, config.projectId);
  const sinceParam = url.searchParams.get('since');
  const since = sinceParam === null ? null : parseDate(sinceParam);
  if (sinceParam !== null && since === null) throw policy('Invalid `since` param: Value must be a valid date in ISO 8601 format');

  const names = convertChannels(urlChannels(url.searchParams), who?.userId ?? '');
  let legacy: SocketIdentity['legacy'] = null;
  if (names.length) {
    const subscriptions = urlSubscriptions(url.searchParams, names);
    if (subscriptions.length > LIMITS.subscriptionsPerSocket) throw policy(`A connection may hold at most ${LIMITS.subscriptionsPerSocket} subscriptions.`);
    if (names.length > LIMITS.channelsPerSubscription || names.some((n) => n.length > LIMITS.channelLength)) {
      throw policy(`A subscription may name at most ${LIMITS.channelsPerSubscription} channels of at most ${LIMITS.channelLength} characters.`);
    }
    legacy = { channels: names, subscriptions };
  }
  return {
    socketId: uniqueId(),
    userId: who?.userId ?? null,
    sessionId: who?.sessionId ?? null,
    expires: who?.expires ?? null,
    roles: who?.roles ?? [...GUEST_ROLES],
    user: who?.user ?? null,
    legacy,
    since,
  };
}

/** Appwrite answers a refused connection on the socket itself: an `error` frame, then a close. */
function refusal(err: ApiError): Response {
  const [client, server] = Object.values(new WebSocketPair());
  server.accept();
  server.send(JSON.stringify({ type: 'error', data: { code: err.code, message: err.message } }));
  // WebSocket close codes are 1000–4999; HTTP-style codes (401, 403) close as a policy violation.
  const code = [1003, 1008, 1013].includes(err.code) ? err.code : 1008;
  server.close(code, new TextDecoder().decode(new TextEncoder().encode(err.message).slice(0, 120)).replace(/\uFFFD+$/, ''));
  return new Response(null, { status: 101, webSocket: client });
}

/**
 * `GET /v1/realtime?project=…[&jwt=…][&channels[]=…][&since=…]`: Appwrite's realtime WebSocket.
 * Mounted before the project and principal middleware, because a refused socket still opens and
 * carries its error (the SDK stops reconnecting only after an error frame and close 1008).
 */
export const realtimeRoutes = new Hono<AppEnv>().get('/', async (c) => {
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new ApiError('general_protocol_unsupported', 'The realtime endpoint speaks WebSocket only: open it with an Upgrade request.');
  }
  let identity: SocketIdentity;
  try {
    identity = await admit(c);
  } catch (err) {
    const apiError = toApiError(err);
    if (!(err instanceof ApiError)) console.error('[realtime] admission failed', err);
    return refusal(apiError);
  }
  const index = randomShard(c.get('config').realtimeShards);
  const res = await shard(c.env, index).fetch('https://hub.internal/connect', { headers: { Upgrade: 'websocket', [IDENTITY_HEADER]: JSON.stringify({ ...identity, shard: index }) } });
  if (!res.webSocket) return refusal(new ApiError('general_server_error', 'Error: Server Error'));
  // A fresh response: the hub's headers are immutable, and the CORS middleware adds its own.
  return new Response(null, { status: 101, webSocket: res.webSocket });
});
