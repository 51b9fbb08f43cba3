// Script startup CPU time, from `wrangler check startup`: it bundles the Worker, starts it in a
// local workerd with the inspector attached and reports the active (non-idle) CPU time sampled
// during startup. It runs offline. The baseline Worker is profiled the same way for the ratio.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../scripts/ledge-server.mjs';
import { median } from './load.mjs';

function checkStartup(config) {
  const dir = mkdtempSync(join(tmpdir(), 'ledge-startup-'));
  const out = execFileSync(
    join(ROOT, 'node_modules/.bin/wrangler'),
    ['check', 'startup', '--config', config, '--outfile', join(dir, 'startup.cpuprofile')],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false', FORCE_COLOR: '0' } },
  );
  const active = /Active:\s*([\d.]+)\s*ms/.exec(out);
  const bundle = /Bundle:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/.exec(out);
  if (!active) throw new Error(`could not read wrangler check startup output:\n${out.slice(-800)}`);
  return { activeMs: Number(active[1]), bundleKiB: bundle ? Number(bundle[1]) : null, gzipKiB: bundle ? Number(bundle[2]) : null };
}

function baselineConfig() {
  const dir = mkdtempSync(join(tmpdir(), 'ledge-baseline-'));
  const file = join(dir, 'wrangler.toml');
  writeFileSync(file, [
    'name = "ledge-bench-baseline"',
    `main = "${join(ROOT, 'bench/baseline/worker.js')}"`,
    'compatibility_date = "2026-11-01"',
    'compatibility_flags = ["nodejs_compat"]',
    '[durable_objects]',
    'bindings = [{ name = "HUB", class_name = "BaselineHub" }]',
    '[[migrations]]',
    'tag = "v1"',
    'new_sqlite_classes = ["BaselineHub"]',
    '',
  ].join('\n'));
  return file;
}

/** Median active startup CPU of `repeats` profiles, for Ledge and for the baseline. */
export function startupProfile(repeats) {
  const ledge = [];
  const baseline = [];
  let sizes = null;
  const baseConfig = baselineConfig();
  for (let i = 0; i < repeats; i++) {
    const l = checkStartup(join(ROOT, 'wrangler.toml'));
    sizes = l;
    ledge.push(l.activeMs);
    baseline.push(checkStartup(baseConfig).activeMs);
  }
  return {
    ledgeActiveMs: median(ledge),
    baselineActiveMs: median(baseline),
    samples: { ledge, baseline },
    wranglerBundleKiB: sizes.bundleKiB,
    wranglerGzipKiB: sizes.gzipKiB,
  };
}

/**
 * Second method, inside the running workerd: the baseline Worker loads Ledge's bundle through the
 * Worker Loader under a fresh id (a new isolate: parse, compile and evaluate the module), calls
 * /v1/ping, then calls the same id again (warm). cold − warm is the startup cost, measured from the
 * client; the same for a trivial module gives the runtime's own share.
 */
export async function coldIsolateStartup(server, repeats) {
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler');
  const vars = Object.fromEntries(
    Object.entries(unstable_getMiniflareWorkerOptions(join(ROOT, 'wrangler.toml')).workerOptions.bindings ?? {}).filter(([, v]) => typeof v === 'string'),
  );
  const env = JSON.stringify({ ...vars, RATE_LIMITS: 'disabled' });
  const call = async (which, id) => {
    const t0 = performance.now();
    const res = await fetch(server.baselineUrl(`/startup?which=${which}&id=${id}`), { method: 'POST', body: env });
    const json = await res.json();
    const ms = performance.now() - t0;
    if (res.status !== 201 || json.status !== 200) throw new Error(`cold ${which} isolate answered ${res.status} / ${json.status} ${json.body ?? ''}`);
    return ms;
  };
  const out = { ledge: { cold: [], warm: [] }, trivial: { cold: [], warm: [] } };
  for (let i = 0; i < repeats; i++) {
    for (const which of ['ledge', 'trivial']) {
      const id = `${which}-${i}-${Date.now()}`;
      out[which].cold.push(await call(which, id));
      out[which].warm.push(await call(which, id));
    }
  }
  const startup = (s) => median(s.cold) - median(s.warm);
  return {
    ledgeMs: startup(out.ledge),
    trivialMs: startup(out.trivial),
    ledgeColdMs: median(out.ledge.cold),
    ledgeWarmMs: median(out.ledge.warm),
    repeats,
  };
}
