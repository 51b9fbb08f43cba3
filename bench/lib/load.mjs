// The two client-side measurements every workload gets: latency at concurrency 1 (our own loop over
// a keep-alive connection, microsecond clock — autocannon's histogram stops at 1 ms), and throughput
// at a fixed concurrency (autocannon).
import http from 'node:http';
import autocannon from 'autocannon';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * A request a workload sends over and over: `{ method, url, headers, body }`, plus `expect`, the
 * status every response must have (a benchmark of error responses measures nothing).
 * @typedef {{ method?: string, url: string, headers?: Record<string,string>, body?: string|Buffer, expect?: number, validate?: (res: {status: number, body: Buffer}) => void }} Target
 */

/** One request over the shared keep-alive agent; resolves with status and body. */
export function send(target) {
  return new Promise((resolve, reject) => {
    const url = new URL(target.url);
    const body = target.body === undefined ? undefined : Buffer.from(target.body);
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: target.method ?? 'GET',
        headers: { ...(target.headers ?? {}), ...(body ? { 'content-length': body.length } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function check(target, res) {
  const expect = target.expect ?? 200;
  if (res.status !== expect) {
    const text = res.body.toString('utf8').slice(0, 300);
    throw new Error(`${target.method ?? 'GET'} ${target.url} answered ${res.status}, expected ${expect}: ${text}`);
  }
}

/** Sends once and fails loudly unless the status (and `validate`, if given) is as expected. */
export async function verify(target) {
  const res = await send(target);
  check(target, res);
  target.validate?.(res);
  return res;
}

/**
 * Sequential requests for `ms`, and at least `min` of them unless that takes over 4 × `ms`
 * (slow workloads such as password checks); returns every latency in milliseconds.
 */
export async function latencyLoop(target, { ms, min = 20 }) {
  const samples = [];
  const start = performance.now();
  const end = start + ms;
  const hardEnd = start + 4 * ms;
  for (;;) {
    const now = performance.now();
    if (now >= end && (samples.length >= min || now >= hardEnd) && samples.length >= 3) break;
    const t0 = performance.now();
    const res = await send(target);
    samples.push(performance.now() - t0);
    check(target, res);
  }
  return samples;
}

/** autocannon at `connections` for `seconds`; returns requests/s and the share of unexpected statuses. */
export async function throughput(target, { connections, seconds }) {
  const expect = target.expect ?? 200;
  let unexpected = 0;
  const result = await autocannon({
    url: target.url,
    method: target.method ?? 'GET',
    headers: target.headers ?? {},
    body: target.body,
    connections,
    duration: seconds,
    setupClient: (client) => client.on('response', (status) => { if (status !== expect) unexpected++; }),
  });
  const total = result.requests.total || 1;
  return { rps: result.requests.total / (result.duration || seconds), errors: result.errors + result.timeouts, unexpectedShare: unexpected / total };
}

export function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  return percentile(values, 50);
}

/**
 * Measures a Ledge target and its baseline the same way: a warm-up, then `rounds` rounds, each
 * alternating Ledge and baseline so background noise on the machine hits both alike.
 * @param {{ ledge: Target, baseline: Target }} pair
 */
export async function comparePair(pair, plan) {
  const sides = { ledge: { lat: [], rps: [], unexpected: 0 }, baseline: { lat: [], rps: [], unexpected: 0 } };
  for (const side of ['ledge', 'baseline']) {
    await verify(pair[side]);
    await latencyLoop(pair[side], { ms: plan.warmupMs, min: 5 });
  }
  for (let round = 0; round < plan.rounds; round++) {
    const order = round % 2 === 0 ? ['ledge', 'baseline'] : ['baseline', 'ledge'];
    for (const side of order) {
      sides[side].lat.push(...(await latencyLoop(pair[side], { ms: plan.latencyMs })));
      if (plan.throughputSeconds > 0) {
        const t = await throughput(pair[side], { connections: plan.connections, seconds: plan.throughputSeconds });
        sides[side].rps.push(t.rps);
        sides[side].unexpected = Math.max(sides[side].unexpected, t.unexpectedShare);
      }
    }
  }
  const summary = summarize(sides);
  summary.ledge.d1 = await meter(pair.ledge);
  summary.baseline.d1 = await meter(pair.baseline);
  return summary;
}

/**
 * D1 rows read and written per request: a few sequential requests asking for the counts
 * (`X-Ledge-D1-Meter`, answered in `X-Ledge-D1-Rows` by Ledge with D1_METER=on and by the
 * baseline); the median of each. Null when the side does not report them.
 */
export async function meter(target, times = 3) {
  const samples = [];
  for (let i = 0; i < times; i++) {
    const res = await send({ ...target, headers: { ...(target.headers ?? {}), 'x-ledge-d1-meter': '1' } });
    const header = res.headers['x-ledge-d1-rows'];
    if (!header) return null;
    samples.push(Object.fromEntries(String(header).split(';').map((p) => p.trim().split('=')).map(([k, v]) => [k, Number(v)])));
  }
  const med = (k) => median(samples.map((s) => s[k]));
  return { rowsRead: med('read'), rowsWritten: med('written'), queries: med('queries') };
}

export function summarizeSide(side) {
  return {
    rps: side.rps.length ? median(side.rps) : null,
    p50: percentile(side.lat, 50),
    p99: percentile(side.lat, 99),
    samples: side.lat.length,
    unexpectedShare: side.unexpected ?? 0,
  };
}

export function summarize(sides) {
  return { ledge: summarizeSide(sides.ledge), baseline: summarizeSide(sides.baseline) };
}
