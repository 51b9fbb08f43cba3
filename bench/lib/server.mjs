// Starts Ledge (the built bundle) and the bare baseline Worker in ONE Miniflare instance — one
// workerd process, one runtime — and pins that workerd to its own core.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { ROOT, buildBundle, startLedge } from '../../scripts/ledge-server.mjs';

const BENCH = dirname(dirname(fileURLToPath(import.meta.url)));
export const SERVER_CORE = 0;
export const CLIENT_CORE = 1;

export function hasTaskset() {
  return spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

/**
 * Re-runs this process under `taskset -c 1` unless it already is, so the load generator never
 * shares a core with workerd. Returns true when the caller should just wait for the child.
 */
export function pinSelfOrContinue() {
  if (process.env.LEDGE_BENCH_PINNED || !hasTaskset()) return null;
  const child = spawnSync('taskset', ['-c', String(CLIENT_CORE), process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, LEDGE_BENCH_PINNED: String(CLIENT_CORE) },
  });
  return child.status ?? 1;
}

/** workerd is a child of this Node process (Miniflare spawns it); pin all its threads. */
function pinWorkerd() {
  if (!hasTaskset()) return { pinned: false, note: 'taskset not available: server and client share cores' };
  const pids = (spawnSync('pgrep', ['-P', String(process.pid), 'workerd'], { encoding: 'utf8' }).stdout ?? '').trim().split(/\s+/).filter(Boolean);
  if (pids.length === 0) return { pinned: false, note: 'workerd process not found: not pinned' };
  for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', String(SERVER_CORE), pid], { stdio: 'ignore' });
  return { pinned: true, note: `workerd (pid ${pids.join(',')}) on core ${SERVER_CORE}, load generator on core ${CLIENT_CORE}` };
}

function baselineWorker(script) {
  const { d1Databases, r2Buckets } = unstable_getMiniflareWorkerOptions(join(ROOT, 'wrangler.toml')).workerOptions;
  return {
    name: 'baseline',
    modules: true,
    scriptPath: join(BENCH, 'baseline/worker.js'),
    compatibilityDate: '2026-11-01',
    compatibilityFlags: ['nodejs_compat'],
    // Ledge serves only /v1/*; everything under /baseline/ on the same host and port goes here.
    routes: ['127.0.0.1/baseline/*'],
    d1Databases,
    r2Buckets,
    durableObjects: { HUB: { className: 'BaselineHub', useSQLite: true } },
    workerLoaders: { LOADER: {} },
    // Ledge's built bundle as text, for the cold-isolate startup measurement.
    textBlobBindings: { LEDGE_SOURCE: script },
  };
}

/** Gzip size of everything `wrangler deploy --dry-run` wrote: what an upload would send. */
export function bundleSize(script) {
  const dir = dirname(script);
  let raw = 0;
  let gzip = 0;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (!statSync(file).isFile() || !/\.(m?js|wasm)$/.test(name)) continue;
    const bytes = readFileSync(file);
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}

export async function startServers() {
  const script = buildBundle();
  // D1_METER: requests that ask get their D1 rows read/written back (bench/lib/load.mjs `meter`).
  const ledge = await startLedge({ script, vars: { RATE_LIMITS: 'disabled', D1_METER: 'on' }, extraWorkers: [baselineWorker(script)] });
  const pinning = pinWorkerd();
  const origin = ledge.url.origin;
  return {
    ...ledge,
    script,
    pinning,
    origin,
    baselineUrl: (path) => `${origin}/baseline${path}`,
    ledgeUrl: (path) => `${origin}/v1${path}`,
    async dispose() {
      await ledge.dispose();
      // 100k rows and 100 MiB uploads per run add up in /tmp.
      if (ledge.persist) rmSync(ledge.persist, { recursive: true, force: true });
      rmSync(dirname(script), { recursive: true, force: true });
    },
  };
}
