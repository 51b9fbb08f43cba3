// Realtime fan-out: N subscribers on WebSockets, one write, the time until each subscriber has the
// event. Baseline: N sockets on one bare Durable Object that sends a message to each.
import { median, percentile } from '../lib/load.mjs';

const DB = 'rt';
const TABLE = 'events';
const CHANNEL = `tablesdb.${DB}.tables.${TABLE}.rows`;
const OPEN_AT_ONCE = 50;
const ROUND_TIMEOUT_MS = 15_000;

/** Opens a socket and resolves once it is ready to receive (`ready` decides from the frames). */
function open(url, headers, ready) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const socket = { ws, arrivals: [], waiting: null };
    const timer = setTimeout(() => reject(new Error(`socket not ready after 10 s: ${url}`)), 10_000);
    ws.addEventListener('error', (e) => reject(new Error(`socket error: ${e.message ?? 'unknown'}`)));
    ws.addEventListener('message', (event) => {
      const now = performance.now();
      const text = typeof event.data === 'string' ? event.data : '';
      if (socket.ready) {
        if (socket.isEvent(text)) socket.arrivals.push(now);
        return;
      }
      ready(text, ws, () => {
        socket.ready = true;
        clearTimeout(timer);
        resolve(socket);
      }, reject);
    });
    ws.addEventListener('open', () => ready(null, ws, () => {
      socket.ready = true;
      clearTimeout(timer);
      resolve(socket);
    }, reject));
  });
}

async function openMany(count, make) {
  const sockets = [];
  for (let i = 0; i < count; i += OPEN_AT_ONCE) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(OPEN_AT_ONCE, count - i) }, make))));
  }
  return sockets;
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
    const deadline = t0 + ROUND_TIMEOUT_MS;
    while (sockets.some((s) => s.arrivals.length === 0) && performance.now() < deadline) await new Promise((res) => setTimeout(res, 2));
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

/** N sockets on one bare Durable Object; one broadcast RPC per round. */
export async function baselineFanOut(ctx, n, rounds) {
  const { server } = ctx;
  const wsOrigin = server.origin.replace(/^http/, 'ws');
  const baselineSockets = await openMany(n, async () => {
    const s = await open(`${wsOrigin}/baseline/ws`, {}, (text, _ws, done) => { if (text === null) done(); });
    s.isEvent = () => true;
    return s;
  });
  try {
    // A payload the size of a real row event, sent as-is to every socket.
    const payload = JSON.stringify({ type: 'event', data: { events: [`databases.${DB}.tables.${TABLE}.rows.x.create`], channels: [CHANNEL], payload: { $id: 'x', round: 0 } } });
    return await fanOut(baselineSockets, rounds, async () => {
      const res = await fetch(server.baselineUrl('/broadcast'), { method: 'POST', body: payload });
      if (res.status !== 200) throw new Error(`baseline broadcast → ${res.status}`);
    });
  } finally {
    closeAll(baselineSockets);
  }
}

export async function runRealtime(ctx) {
  const { server, api, plan } = ctx;
  const n = plan.subscribers;
  await api.requireRoutes('realtime', [['GET', `/realtime?project=${server.projectId}`]]);
  await api.requireRoutes('databases', [['GET', '/tablesdb']]);
  await api.must('POST', '/tablesdb', { key: true, body: { databaseId: DB, name: 'Realtime bench' } });
  await api.must('POST', `/tablesdb/${DB}/tables`, { key: true, body: { tableId: TABLE, name: 'Events', permissions: ['read("any")'], rowSecurity: false } });
  await api.must('POST', `/tablesdb/${DB}/tables/${TABLE}/columns/integer`, { key: true, body: { key: 'round', required: true } });

  const wsOrigin = server.origin.replace(/^http/, 'ws');
  const ledgeUrl = `${wsOrigin}/v1/realtime?project=${server.projectId}&channels[]=${encodeURIComponent(CHANNEL)}`;
  // Legacy URL mode subscribes at connect; a server speaking only the v27 protocol gets a subscribe frame too.
  const ledgeReady = (text, ws, done, fail) => {
    if (text === null) return;
    const frame = JSON.parse(text);
    if (frame.type === 'error') return fail(new Error(`realtime error: ${JSON.stringify(frame.data)}`));
    if (frame.type === 'connected') {
      const subscribed = (frame.data?.channels ?? []).includes(CHANNEL);
      if (subscribed) return done();
      ws.send(JSON.stringify({ type: 'subscribe', data: [{ subscriptionId: 'bench', channels: [CHANNEL], queries: [] }] }));
    } else if (frame.type === 'response' && frame.data?.to === 'subscribe') {
      if (frame.data.success === false) return fail(new Error('subscribe refused'));
      done();
    }
  };
  const results = [];
  const ledgeSockets = await openMany(n, async () => {
    const s = await open(ledgeUrl, { origin: 'http://localhost' }, ledgeReady);
    s.isEvent = (text) => text.includes('"type":"event"');
    return s;
  });
  let ledge;
  try {
    ledge = await fanOut(ledgeSockets, plan.realtimeRounds + 1, (r) =>
      api.must('POST', `/tablesdb/${DB}/tables/${TABLE}/rows`, { key: true, body: { rowId: 'unique()', data: { round: r } } }));
  } finally {
    closeAll(ledgeSockets);
  }

  const baseline = await baselineFanOut(ctx, n, plan.realtimeRounds + 1);
  // The first round of each side is the warm-up.
  const drop = (m) => ({ ...m, delays: m.delays.slice(1), roundTimes: m.roundTimes.slice(1) });
  const row = {
    name: `realtime fan-out to ${n} subscribers`,
    ledge: side(drop(ledge), n),
    baseline: side(drop(baseline), n),
    unit: 'deliveries/s',
    notes: ['latency = publish request start → event at each subscriber; throughput column = subscribers / time to the last one'],
  };
  if (ledge.missed || baseline.missed) row.notes.push(`missed deliveries: Ledge ${ledge.missed}, baseline ${baseline.missed}`);
  results.push(row);
  return results;
}
