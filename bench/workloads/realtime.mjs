// Realtime. (1) Fan-out: N permission-filtered subscribers on one channel, one row write per round,
// the delay from the write request to each subscriber's event; baseline: N sockets on one bare
// Durable Object that sends a message to each. (2) Scale: many concurrent sockets across the hub
// shards, each subscribed and each receiving one event; baseline: as many sockets on one bare DO.
import { execSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { median, percentile } from '../lib/load.mjs';

const DB = 'rt';
const TABLE = 'events';
const TEAM = 'listeners';
const CHANNEL = `tablesdb.${DB}.tables.${TABLE}.rows`;
const OPEN_AT_ONCE = 50;
const ROUND_TIMEOUT_MS = 15_000;
/** Listeners per signed-in user (one session each): the hub checks roles per socket, whatever the user. */
const SOCKETS_PER_USER = 50;

/** Opens a socket and resolves once it is ready to receive (`ready` decides from the frames). */
function open(url, headers, ready) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const socket = { ws, arrivals: [], frames: 0, ready: false, isEvent: () => true };
    const timer = setTimeout(() => reject(new Error(`socket not ready after 60 s: ${url}`)), 60_000);
    const done = () => {
      socket.ready = true;
      clearTimeout(timer);
      resolve(socket);
    };
    ws.addEventListener('error', (e) => reject(new Error(`socket error: ${e.message ?? 'unknown'}`)));
    ws.addEventListener('message', (event) => {
      const now = performance.now();
      const text = typeof event.data === 'string' ? event.data : '';
      socket.frames++;
      if (socket.ready) {
        if (socket.isEvent(text)) {
          socket.arrivals.push(now);
          socket.lastEvent = text;
        }
        return;
      }
      ready(text, ws, done, reject);
    });
    ws.addEventListener('open', () => ready(null, ws, done, reject));
  });
}

async function openMany(count, make) {
  const sockets = [];
  for (let i = 0; i < count; i += OPEN_AT_ONCE) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(OPEN_AT_ONCE, count - i) }, (_, j) => make(i + j)))));
  }
  return sockets;
}

/** Waits until every socket has `want` arrivals (or the deadline); returns the first arrival times. */
async function waitArrivals(sockets, deadline, want = 1) {
  while (sockets.some((s) => s.arrivals.length < want) && performance.now() < deadline) await new Promise((res) => setTimeout(res, 2));
}

/** Sends one publish per round and collects, per subscriber, the delay until its event arrived. */
async function fanOut(sockets, rounds, publish) {
  const delays = [];
  let missed = 0;
  const roundTimes = [];
  for (let r = 0; r < rounds; r++) {
    for (const s of sockets) s.arrivals.length = 0;
    const t0 = performance.now();
    await publish(r);
    await waitArrivals(sockets, t0 + ROUND_TIMEOUT_MS);
    let last = 0;
    const round = [];
    delays.push(round);
    for (const s of sockets) {
      if (s.arrivals.length === 0) missed++;
      else {
        round.push(s.arrivals[0] - t0);
        last = Math.max(last, s.arrivals[0] - t0);
      }
    }
    roundTimes.push(last);
    await new Promise((res) => setTimeout(res, 100));
  }
  return { delays, missed, roundTimes };
}

function closeAll(sockets) {
  for (const s of sockets) s.ws.close();
}

function side({ delays: rounds, roundTimes }, n) {
  const delays = rounds.flat();
  // Throughput column: deliveries per second over a whole round (N / time to the last subscriber).
  return { rps: n / (median(roundTimes) / 1000), p50: percentile(delays, 50), p99: percentile(delays, 99), samples: delays.length };
}

/** N sockets on one bare Durable Object; one broadcast RPC per round of `frame` (Ledge's own event frame, byte for byte). */
export async function baselineFanOut(ctx, n, rounds, frame) {
  const { server } = ctx;
  const wsOrigin = server.origin.replace(/^http/, 'ws');
  const baselineSockets = await openMany(n, () => open(`${wsOrigin}/baseline/ws`, {}, (text, _ws, done) => { if (text === null) done(); }));
  try {
    return await fanOut(baselineSockets, rounds, async () => {
      const res = await fetch(server.baselineUrl('/broadcast'), { method: 'POST', body: frame });
      if (res.status !== 200) throw new Error(`baseline broadcast → ${res.status}`);
    });
  } finally {
    closeAll(baselineSockets);
  }
}

/** Ready once `connected` came and the subscribe frame was acked; fails on any error frame. */
function subscribeWhenConnected(queries) {
  return (text, ws, done, fail) => {
    if (text === null) return;
    const frame = JSON.parse(text);
    if (frame.type === 'error') return fail(new Error(`realtime error: ${JSON.stringify(frame.data)}`));
    if (frame.type === 'connected') {
      ws.send(JSON.stringify({ type: 'subscribe', data: [{ subscriptionId: 'bench', channels: [CHANNEL], queries }] }));
    } else if (frame.type === 'response' && frame.data?.to === 'subscribe') {
      if (frame.data.success === false) return fail(new Error('subscribe refused'));
      done();
    }
  };
}

async function schema(api) {
  await api.must('POST', '/tablesdb', { key: true, body: { databaseId: DB, name: 'Realtime bench' } });
  await api.must('POST', '/teams', { key: true, body: { teamId: TEAM, name: 'Listeners' } });
  await api.must('POST', `/tablesdb/${DB}/tables`, { key: true, body: { tableId: TABLE, name: 'Events', permissions: [`read("team:${TEAM}")`], rowSecurity: true } });
  await api.must('POST', `/tablesdb/${DB}/tables/${TABLE}/columns/integer`, { key: true, body: { key: 'round', required: true } });
}

/** A team member with a server-made session (no password hashing): the cookie its sockets send. */
async function member(api, server, i) {
  const user = await api.must('POST', '/users', { key: true, body: { userId: 'unique()', email: `listener-${i}-${Date.now()}@bench.test`, name: `L${i}` } });
  await api.must('POST', `/teams/${TEAM}/memberships`, { key: true, body: { userId: user.$id, roles: [] } });
  const session = await api.must('POST', `/users/${user.$id}/sessions`, { key: true });
  return `a_session_${server.projectId}=${session.secret}`;
}

/** (1) Permission-filtered fan-out: N team members listen, N/4 guests on the same channel must hear nothing. */
async function fanOutRow(ctx) {
  const { server, api, plan } = ctx;
  const n = plan.subscribers;
  const wsOrigin = server.origin.replace(/^http/, 'ws');
  const url = `${wsOrigin}/v1/realtime?project=${server.projectId}`;
  const cookies = [];
  for (let i = 0; i < Math.ceil(n / SOCKETS_PER_USER); i++) cookies.push(await member(api, server, i));
  const queries = [JSON.stringify({ method: 'greaterThanEqual', attribute: 'round', values: [0] })];
  const isEvent = (text) => text.includes('"type":"event"');
  const listeners = await openMany(n, async (i) => {
    const s = await open(url, { origin: 'http://localhost', cookie: cookies[Math.floor(i / SOCKETS_PER_USER)] }, subscribeWhenConnected(queries));
    s.isEvent = isEvent;
    return s;
  });
  const strangers = await openMany(Math.ceil(n / 4), async () => {
    const s = await open(url, { origin: 'http://localhost' }, subscribeWhenConnected(queries));
    s.isEvent = isEvent;
    return s;
  });
  let ledge;
  try {
    ledge = await fanOut(listeners, plan.realtimeRounds + 1, (r) =>
      api.must('POST', `/tablesdb/${DB}/tables/${TABLE}/rows`, { key: true, body: { rowId: 'unique()', data: { round: r } } }));
  } finally {
    closeAll(listeners);
    closeAll(strangers);
  }
  const leaked = strangers.filter((s) => s.arrivals.length > 0).length;
  const frame = listeners.find((s) => s.lastEvent)?.lastEvent ?? '{"type":"event"}';
  const baseline = await baselineFanOut(ctx, n, plan.realtimeRounds + 1, frame);
  // The first round of each side is the warm-up.
  const drop = (m) => ({ ...m, delays: m.delays.slice(1), roundTimes: m.roundTimes.slice(1) });
  const row = {
    name: `realtime fan-out to ${n} subscribers`,
    ledge: side(drop(ledge), n),
    baseline: side(drop(baseline), n),
    unit: 'deliveries/s',
    notes: [
      `latency = row create request start → event at each subscriber (baseline: broadcast request start; it sends Ledge's own ${frame.length}-byte event frame); ${n} team members (${cookies.length} users × ${SOCKETS_PER_USER} sockets) with a query, plus ${strangers.length} guests on the same channel who may not read it; throughput column = subscribers / time to the last one`,
    ],
  };
  if (ledge.missed || baseline.missed) row.notes.push(`missed deliveries: Ledge ${ledge.missed}, baseline ${baseline.missed}`);
  if (leaked) throw new Error(`${leaked} guests received an event they may not read`);
  return row;
}

/** Opens `count` sockets, then one event reaches all of them; connection rate and delivery times. */
async function connectAndReachAll(count, openOne, publish) {
  const t0 = performance.now();
  const sockets = await openMany(count, openOne);
  const connectSeconds = (performance.now() - t0) / 1000;
  try {
    const p0 = performance.now();
    await publish();
    await waitArrivals(sockets, p0 + 60_000);
    const delays = sockets.filter((s) => s.arrivals.length).map((s) => s.arrivals[0] - p0);
    return { sockets, connectSeconds, delays, missed: count - delays.length };
  } finally {
    closeAll(sockets);
  }
}

/**
 * How many sockets this machine lets workerd hold: local workerd keeps about two file descriptors
 * per WebSocket (the TCP connection and an internal pipe), and gives them back some seconds after
 * a close; past `ulimit -n` it dies with EMFILE. The limit is the OS's, not Ledge's.
 */
function socketCeiling() {
  const limit = Number(execSync('sh -c "ulimit -n"', { encoding: 'utf8' }).trim());
  return Number.isFinite(limit) ? Math.floor((limit - 1500) / 2.1) : Infinity;
}

/** Open descriptors of this run's workerd processes (null where /proc cannot tell). */
function workerdDescriptors() {
  try {
    const pids = execSync(`pgrep -P ${process.pid} workerd`, { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean);
    return pids.reduce((n, pid) => n + readdirSync(`/proc/${pid}/fd`).length, 0);
  } catch {
    return null;
  }
}

/**
 * Lets workerd release the descriptors of sockets closed before: a fixed pause was not enough for
 * ~9,000 sockets (the baseline's sockets then met the Ledge ones still open and workerd hit EMFILE),
 * so wait until the count stops falling, 15 s at least, 120 s at most.
 */
async function settle() {
  const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
  await sleep(15_000);
  let last = workerdDescriptors();
  for (let waited = 0; last !== null && waited < 105_000; waited += 3_000) {
    await sleep(3_000);
    const now = workerdDescriptors();
    if (now === null || now >= last - 50) break;
    last = now;
  }
}

/** (2) Many concurrent sockets across the shards, every one connected, subscribed and reached. */
async function manySockets(ctx) {
  const { server, api, plan } = ctx;
  const ceiling = socketCeiling();
  const n = Math.min(plan.sockets, ceiling);
  await settle();
  const wsOrigin = server.origin.replace(/^http/, 'ws');
  const channel = `tablesdb.${DB}.tables.open.rows`;
  await api.must('POST', `/tablesdb/${DB}/tables`, { key: true, body: { tableId: 'open', name: 'Open', permissions: ['read("any")'] } });
  await api.must('POST', `/tablesdb/${DB}/tables/open/columns/integer`, { key: true, body: { key: 'n', required: true } });
  const url = `${wsOrigin}/v1/realtime?project=${server.projectId}&channels[]=${encodeURIComponent(channel)}`;
  const ledgeReady = (text, _ws, done, fail) => {
    if (text === null) return;
    const frame = JSON.parse(text);
    if (frame.type === 'error') return fail(new Error(`realtime error: ${JSON.stringify(frame.data)}`));
    if (frame.type === 'connected' && frame.data?.channels?.includes(channel)) done();
  };
  const isEvent = (text) => text.includes('"type":"event"');
  const ledge = await connectAndReachAll(n, async () => {
    const s = await open(url, { origin: 'http://localhost' }, ledgeReady);
    s.isEvent = isEvent;
    return s;
  }, () => api.must('POST', `/tablesdb/${DB}/tables/open/rows`, { key: true, body: { rowId: 'unique()', data: { n: 1 } } }));
  await settle();
  const frame = ledge.sockets.find((s) => s.lastEvent)?.lastEvent ?? '{"type":"event"}';
  const baseline = await connectAndReachAll(n, () => open(`${wsOrigin}/baseline/ws`, {}, (text, _ws, done) => { if (text === null) done(); }), async () => {
    const res = await fetch(server.baselineUrl('/broadcast'), { method: 'POST', body: frame });
    if (res.status !== 200) throw new Error(`baseline broadcast → ${res.status}`);
  });
  if (ledge.missed) throw new Error(`${ledge.missed} of ${n} sockets never received the event`);
  const summary = (m) => ({ rps: n / m.connectSeconds, p50: percentile(m.delays, 50), p99: percentile(m.delays, 99), samples: m.delays.length });
  const notes = [];
  if (n < plan.sockets) {
    notes.push(`CAPPED at ${n} of ${plan.sockets} sockets by this machine's open-file limit (ulimit -n ${execSync('sh -c "ulimit -n"', { encoding: 'utf8' }).trim()}; local workerd holds ~2 descriptors per WebSocket and dies with EMFILE past it) — raise the limit to run ${plan.sockets}`);
  }
  return {
    name: `realtime: ${plan.sockets} concurrent sockets`,
    ledge: summary(ledge),
    baseline: summary(baseline),
    unit: 'connections/s',
    notes: [
      ...notes,
      `${n} sockets: every one connected, subscribed (legacy URL mode) and received one row event, none missed or refused; latency = row create start → event at each socket; spread over the REALTIME_SHARDS hub shards (baseline: all on one bare Durable Object)`,
    ],
  };
}

export async function runRealtime(ctx) {
  const { server, api } = ctx;
  await api.requireRoutes('realtime', [['GET', `/realtime?project=${server.projectId}`]]);
  await api.requireRoutes('databases', [['GET', '/tablesdb']]);
  await schema(api);
  const rows = [];
  rows.push(await ctx.guard(`realtime fan-out to ${ctx.plan.subscribers} subscribers`, () => fanOutRow(ctx)));
  rows.push(await ctx.guard(`realtime: ${ctx.plan.sockets} concurrent sockets`, () => manySockets(ctx)));
  return rows;
}
