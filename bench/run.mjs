// `npm run bench [-- --quick] [-- --only=ping,rows]`: Ledge against a bare baseline Worker, both
// under the same workerd, driven from a separate core. See bench/README.md for the method.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../scripts/ledge-server.mjs';
import { SkipWorkload, client } from './lib/api.mjs';
import { comparePair } from './lib/load.mjs';
import { waitForEventDrain } from './lib/quiet.mjs';
import { costLines, costTable } from './lib/cost.mjs';
import { goalLines, goals, ratios, table } from './lib/report.mjs';
import { bundleSize, pinSelfOrContinue, startServers } from './lib/server.mjs';
import { coldIsolateStartup, startupProfile } from './lib/startup.mjs';
import { runAccount, runPing } from './workloads/basic.mjs';
import { runFunctions } from './workloads/functions.mjs';
import { runRealtime } from './workloads/realtime.mjs';
import { runRange } from './workloads/range.mjs';
import { runTransactions } from './workloads/transactions.mjs';
import { runRows } from './workloads/rows.mjs';
import { runRelations } from './workloads/relations.mjs';
import { runStorage } from './workloads/storage.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');

const exitCode = pinSelfOrContinue();
if (exitCode !== null) process.exit(exitCode);

const PLANS = {
  full: { rows: 100_000, uploadMiB: 100, subscribers: 1000, sockets: 10_000, rounds: 3, warmupMs: 500, latencyMs: 1500, throughputSeconds: 2, connections: 8, uploadRounds: 3, realtimeRounds: 5, coldRounds: 5, startupRepeats: 3, isolateRepeats: 15, apiSeedRows: 2000, drainTimeoutSeconds: 60 },
  quick: { rows: 10_000, uploadMiB: 20, subscribers: 200, sockets: 200, rounds: 2, warmupMs: 100, latencyMs: 300, throughputSeconds: 0.5, connections: 8, uploadRounds: 1, realtimeRounds: 3, coldRounds: 3, startupRepeats: 1, isolateRepeats: 5, apiSeedRows: 1000, drainTimeoutSeconds: 30 },
};
const plan = { ...(quick ? PLANS.quick : PLANS.full), quick };

/** Each workload with the rows it reports, so a skipped domain still lists what it would measure. */
const WORKLOADS = [
  { key: 'ping', run: runPing, names: ['ping'] },
  { key: 'account', run: runAccount, names: ['account.get (session cookie)', 'session sign-in (email + password)'] },
  {
    key: 'rows',
    run: runRows,
    names: ['row get by id', `row list 25 of ${plan.rows}, filter+order (rowSecurity off / on)`, 'row create'],
  },
  {
    key: 'range',
    run: runRange,
    names: [`range list 25 of ${plan.rows}, greaterThan+orderDesc(priority) (rowSecurity on, total=false / with total / orderAsc)`],
  },
  { key: 'relations', run: runRelations, names: ['row get with its author (manyToOne, select author.*)'] },
  { key: 'transactions', run: runTransactions, names: ['transaction commit, 10 operations'] },
  { key: 'storage', run: runStorage, names: ['file upload 1 KiB', `file upload ${plan.uploadMiB} MiB`, 'preview cache hit'] },
  { key: 'realtime', run: runRealtime, names: [`realtime fan-out to ${plan.subscribers} subscribers`, `realtime: ${plan.sockets} concurrent sockets`] },
  { key: 'functions', run: runFunctions, names: ['function execution, warm', 'function execution, cold', 'function execution, cold, importing node-appwrite'] },
];

const log = (...m) => console.log(...m);

function revision() {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return { sha, dirty };
  } catch {
    return { sha: 'unknown', dirty: null };
  }
}

async function main() {
  const started = Date.now();
  const loadAtStart = loadavg()[0];
  log(`Ledge benchmarks${quick ? ' — QUICK MODE: shrunk data (' + `${plan.rows} rows, ${plan.uploadMiB} MiB upload, ${plan.subscribers} subscribers, ${plan.rounds} rounds` + '); figures are indicative only' : ''}`);

  log('Profiling script startup (wrangler check startup)…');
  let startup;
  try {
    startup = startupProfile(plan.startupRepeats);
  } catch (e) {
    startup = { error: e.message.split('\n')[0] };
  }

  log('Building the bundle and starting Ledge + baseline under Miniflare…');
  const server = await startServers();
  const bundle = bundleSize(server.script);
  log(`  ${server.pinning.note}`);
  const api = client(server);
  const ctx = {
    server,
    api,
    plan,
    log,
    async configureBaseline(config) {
      const res = await fetch(server.baselineUrl('/configure'), { method: 'POST', body: JSON.stringify(config) });
      if (res.status !== 200) throw new Error(`baseline configure → ${res.status} ${await res.text()}`);
    },
    async guard(name, fn) {
      try {
        return { name, ...(await fn()) };
      } catch (e) {
        if (e instanceof SkipWorkload) return { name, skipped: e.message };
        return { name, failed: e.message.split('\n')[0] };
      }
    },
    compare(name, pair) {
      return ctx.guard(name, () => comparePair(pair, plan));
    },
    /** Lets queued events (and their D1 writes) finish before the next measurement. */
    async drain() {
      const d = await waitForEventDrain(db, { timeoutSeconds: plan.drainTimeoutSeconds });
      if (!d.stable) log(`  event queue still busy after ${plan.drainTimeoutSeconds} s (${d.receipts} receipts)`);
      return d;
    },
  };
  const db = await server.mf.getD1Database('DB');
  let isolate;
  try {
    isolate = await coldIsolateStartup(server, plan.isolateRepeats);
  } catch (e) {
    isolate = { error: e.message.split('\n')[0] };
  }

  const rows = [];
  try {
    for (const w of WORKLOADS) {
      if (only && !only.includes(w.key)) continue;
      const t0 = Date.now();
      log(`▶ ${w.key}`);
      try {
        rows.push(...(await w.run(ctx)));
      } catch (e) {
        const skipped = e instanceof SkipWorkload;
        for (const name of w.names) rows.push({ name, ...(skipped ? { skipped: e.message } : { failed: e.message.split('\n')[0] }) });
        log(`  ${skipped ? 'skipped' : 'FAILED'}: ${e.message.split('\n')[0]}`);
      }
      await ctx.drain();
      log(`  ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await server.dispose();
  }

  const loadAtEnd = loadavg()[0];
  // The run itself keeps both cores busy, so only a load well above that at the end means company.
  const busy = loadAtStart > cpus().length * 0.75 || loadAtEnd > cpus().length + 0.5;
  const goalList = goals(rows, { bundle, plan });
  const costs = costTable(rows);
  const rev = revision();
  const output = [
    '',
    `Ledge ÷ baseline, same workerd, ${server.pinning.note}.`,
    `Latency (ms) at concurrency 1; throughput (req/s unless noted) at concurrency ${plan.connections}. ×: Ledge ÷ baseline.`,
    `Load average (1 min) at start ${loadAtStart.toFixed(2)}, at end ${loadAtEnd.toFixed(2)} on ${cpus().length} cores` +
      (busy ? ' — WARNING: other processes were competing for the CPU; absolute figures are inflated, ratios less so.' : '.'),
    '',
    table(rows),
    '',
    costLines(costs),
    '',
    `Bundle: ${(bundle.raw / 1024).toFixed(1)} KiB, gzip ${(bundle.gzip / 1024).toFixed(1)} KiB` +
      (startup.wranglerGzipKiB ? ` (wrangler: ${startup.wranglerBundleKiB} KiB / gzip ${startup.wranglerGzipKiB} KiB)` : ''),
    startup.error
      ? `Startup CPU: not measured (${startup.error})`
      : `Startup CPU (wrangler check startup, active, median of ${plan.startupRepeats}): Ledge ${startup.ledgeActiveMs} ms, baseline ${startup.baselineActiveMs} ms (× ${(startup.ledgeActiveMs / startup.baselineActiveMs).toFixed(2)})`,
    isolate.error
      ? `Cold isolate startup: not measured (${isolate.error})`
      : `Cold isolate startup (Worker Loader, fresh id, first /v1/ping − warm, median of ${plan.isolateRepeats}): Ledge ${isolate.ledgeMs.toFixed(1)} ms, trivial module ${isolate.trivialMs.toFixed(1)} ms (Δ ${(isolate.ledgeMs - isolate.trivialMs).toFixed(1)} ms)`,
    '',
    'Goals:',
    goalLines(goalList),
    '',
    `revision ${rev.sha.slice(0, 12)}${rev.dirty ? ' (uncommitted changes)' : ''}, ${new Date().toISOString()}, ${((Date.now() - started) / 1000).toFixed(0)} s${quick ? ', QUICK MODE' : ''}`,
  ].join('\n');
  log(output);

  const results = {
    revision: rev.sha,
    dirty: rev.dirty,
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      node: process.version,
      workerd: JSON.parse(readFileSync(join(ROOT, 'node_modules/workerd/package.json'), 'utf8')).version,
      pinning: server.pinning.note,
      loadAverage1m: { start: loadAtStart, end: loadAtEnd },
    },
    plan,
    bundle: { rawBytes: bundle.raw, gzipBytes: bundle.gzip },
    startup,
    coldIsolateStartup: isolate,
    workloads: rows.map((r) => ({ ...r, ratios: ratios(r) ?? undefined })),
    // D1 rows read/written per request (Ledge and baseline) and the monthly bills (bench/lib/cost.mjs).
    costs,
    goals: goalList,
  };
  if (only) {
    log('\n--only: results.json left as it was (it records complete runs only)');
    return;
  }
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwrote ${file}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
