// `npm run bench:profile [-- --workload=get|list|list-on|create|account|ping] [--requests=2000] [--cpu]`:
// where Ledge's Worker CPU goes on one hot path. Starts the built bundle under Miniflare with the
// V8 inspector on, sets the workload up through the API (a signed-in user, a table with an index,
// a few thousand rows), samples the CPU of the `ledge` isolate while sending the same request
// over and over, and prints self time by source module (the bundle keeps esbuild's `// path`
// module markers) and by function. A sampling profile: shares, not absolute milliseconds.
// `--cpu` instead reads workerd's own CPU time (/proc ticks, every thread: D1, queue consumer,
// Durable Objects included) over 3 rounds of `requests` sequential requests, each until the event
// queue has drained: the whole cost of a request and the background work it causes.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { startLedge } from '../scripts/ledge-server.mjs';
import { client } from './lib/api.mjs';
import { spawnSync } from 'node:child_process';
import { send } from './lib/load.mjs';
import { waitForEventDrain } from './lib/quiet.mjs';

const args = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')));
const workload = args.workload ?? 'get';
const requests = Number(args.requests ?? 2000);
const ROWS = 3000;

function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A minimal Chrome DevTools Protocol session over the inspector's WebSocket. */
async function inspect(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => /ledge/.test(t.title ?? t.id ?? '')) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onerror = reject)));
  let id = 0;
  const pending = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  };
  return {
    title: target.title,
    call(method, params = {}) {
      return new Promise((resolve, reject) => {
        const n = ++id;
        pending.set(n, (msg) => (msg.error ? reject(new Error(`${method}: ${msg.error.message}`)) : resolve(msg.result)));
        ws.send(JSON.stringify({ id: n, method, params }));
      });
    },
    close: () => ws.close(),
  };
}

/** esbuild's `// workers/…` markers: the module each bundle line belongs to. */
function moduleIndex(script) {
  const marks = [];
  readFileSync(script, 'utf8').split('\n').forEach((line, i) => {
    const m = /^\/\/ ((?:workers|durable-objects|node_modules)\/\S+)$/.exec(line);
    if (m) marks.push([i, m[1].replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*$/, 'npm:$1')]);
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = '(bundle prelude)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid][0] <= line) (found = marks[mid][1]), (lo = mid + 1);
      else hi = mid - 1;
    }
    return found;
  };
}

async function setUp(api, server) {
  const reader = await api.userWithSession('profile');
  await api.must('POST', '/tablesdb', { key: true, body: { databaseId: 'prof', name: 'Profile' } });
  await api.must('POST', '/tablesdb/prof/tables', { key: true, body: { tableId: 'items', name: 'Items', permissions: ['read("users")', 'create("users")'], rowSecurity: false } });
  const col = (type, body) => api.must('POST', `/tablesdb/prof/tables/items/columns/${type}`, { key: true, body });
  await col('varchar', { key: 'status', size: 16, required: true });
  await col('integer', { key: 'score', required: true });
  await col('varchar', { key: 'title', size: 64, required: false });
  await api.must('POST', '/tablesdb/prof/tables/items/indexes', { key: true, body: { key: 'ss', type: 'key', columns: ['status', 'score'], orders: ['ASC', 'DESC'] } });
  for (let s = 0; s < ROWS; s += 1000) {
    const rows = Array.from({ length: 1000 }, (_, k) => {
      const i = s + k;
      return { $id: `r${i}`, status: ['open', 'closed', 'draft'][i % 3], score: (i * 7919) % 10000, title: `item ${i}`, $permissions: [`read("user:${i % 2 ? reader.user.$id : 'other'}")`] };
    });
    await api.must('POST', '/tablesdb/prof/tables/items/rows', { key: true, body: { rows } });
  }
  const h = { ...api.projectHeaders, cookie: reader.cookie };
  const list = [
    { method: 'equal', attribute: 'status', values: ['open'] },
    { method: 'orderDesc', attribute: 'score' },
    { method: 'limit', values: [25] },
  ].map((q, i) => `queries[${i}]=${encodeURIComponent(JSON.stringify(q))}`).join('&');
  const rows = server.ledgeUrl('/tablesdb/prof/tables/items/rows');
  const targets = {
    get: { url: `${rows}/r11`, headers: h },
    list: { url: `${rows}?${list}`, headers: h },
    account: { url: server.ledgeUrl('/account'), headers: h },
    ping: { url: server.ledgeUrl('/ping'), headers: api.projectHeaders },
    create: { method: 'POST', url: rows, expect: 201, headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ rowId: 'unique()', data: { status: 'new', score: 1, title: 'created' } }) },
  };
  if (workload === 'list-on') {
    await api.must('PUT', '/tablesdb/prof/tables/items', { key: true, body: { name: 'Items', permissions: ['create("users")'], rowSecurity: true } });
    return targets.list;
  }
  if (!targets[workload]) throw new Error(`unknown workload ${workload}: get, list, list-on, create, account, ping`);
  return targets[workload];
}

async function main() {
  const inspectorPort = await freePort();
  const ledge = await startLedge({ vars: { RATE_LIMITS: 'disabled' }, inspectorPort });
  const origin = ledge.url.origin;
  const server = { origin, projectId: ledge.projectId, rootKey: ledge.rootKey, ledgeUrl: (p) => `${origin}/v1${p}` };
  try {
    const api = client(server);
    const target = await setUp(api, server);
    for (let i = 0; i < 200; i++) await send(target); // warm: JIT, table cache
    if ('cpu' in args) return await cpuPerRequest(ledge, target);
    const session = await inspect(inspectorPort);
    await session.call('Profiler.enable');
    await session.call('Profiler.setSamplingInterval', { interval: 50 });
    await session.call('Profiler.start');
    const t0 = performance.now();
    for (let i = 0; i < requests; i++) {
      const res = await send(target);
      if (res.status !== (target.expect ?? 200)) throw new Error(`${target.url} → ${res.status} ${res.body.toString().slice(0, 200)}`);
    }
    const wall = performance.now() - t0;
    const { profile } = await session.call('Profiler.stop');
    session.close();
    report(profile, moduleIndex(ledge.script ?? ''), wall);
  } finally {
    await ledge.dispose();
  }
}

/** workerd CPU (user + system, 10 ms ticks) per request, with the background work each leaves. */
async function cpuPerRequest(ledge, target) {
  const db = await ledge.mf.getD1Database('DB');
  const pids = (spawnSync('pgrep', ['-P', String(process.pid), 'workerd'], { encoding: 'utf8' }).stdout ?? '').trim().split(/\s+/).filter(Boolean);
  if (pids.length === 0) throw new Error('workerd process not found');
  const ticks = () => pids.reduce((n, pid) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return n + Number(f[11]) + Number(f[12]);
  }, 0);
  await waitForEventDrain(db, { timeoutSeconds: 60 });
  console.log(`\n${workload}: workerd CPU per request, ${requests} sequential requests a round, until the events drained`);
  for (let round = 0; round < 3; round++) {
    const t0 = ticks();
    const w0 = performance.now();
    for (let i = 0; i < requests; i++) await send(target);
    const wall = performance.now() - w0;
    await waitForEventDrain(db, { timeoutSeconds: 60 });
    console.log(`  round ${round + 1}: ${(((ticks() - t0) * 10) / requests).toFixed(2)} ms CPU, ${(wall / requests).toFixed(2)} ms wall per request`);
  }
}

function report(profile, moduleOf, wall) {
  const dt = new Map();
  // timeDeltas[i] is the time before samples[i]; a node's self time is the sum over its samples.
  profile.samples.forEach((node, i) => dt.set(node, (dt.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const idle = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);
  const byModule = new Map();
  const byFunction = new Map();
  let busy = 0;
  let gc = 0;
  for (const [id, us] of dt) {
    const { callFrame } = byNode.get(id);
    if (callFrame.functionName === '(garbage collector)') gc += us;
    if (idle.has(callFrame.functionName)) continue;
    busy += us;
    const mod = callFrame.url.includes('index.js') ? moduleOf(callFrame.lineNumber) : callFrame.url || '(native)';
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
    const fn = `${callFrame.functionName || '(anonymous)'}  ${mod}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const ms = (us) => (us / 1000 / requests).toFixed(3);
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  console.log(`\n${workload}: ${requests} requests in ${(wall / 1000).toFixed(1)} s (${(wall / requests).toFixed(2)} ms each, client side)`);
  console.log(`JS CPU sampled in the ledge isolate: ${ms(busy)} ms per request (+ GC ${ms(gc)} ms)\n`);
  console.log('self time by module (ms per request):');
  for (const [m, us] of top(byModule, 25)) console.log(`  ${ms(us).padStart(7)}  ${m}`);
  console.log('\nself time by function (ms per request):');
  for (const [f, us] of top(byFunction, 30)) console.log(`  ${ms(us).padStart(7)}  ${f}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
