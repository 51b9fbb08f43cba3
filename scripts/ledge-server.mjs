// Starts the built Ledge bundle under Miniflare on a free local port, with every binding from
// wrangler.toml, migrations applied and fresh secrets. Used by the e2e tests and the benchmarks
// (not `wrangler dev`, whose proxy would be measured instead of Ledge).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Miniflare, convertV4MiniflareOptions } from 'miniflare';
import { generateSecrets } from './secrets.mjs';
import { ROOT, assetsWorkerOptions, workerOptionsWithoutSecrets } from './wrangler-config.mjs';
import { buildAssets } from './build-assets.mjs';

export { ROOT };

/**
 * Bundles workers/index.ts exactly as `wrangler deploy` would. Each call gets its own directory
 * unless one is named, so parallel test runs never overwrite each other's bundle.
 */
export function buildBundle(outdir = mkdtempSync(join(tmpdir(), 'ledge-bundle-'))) {
  execFileSync(
    join(ROOT, 'node_modules/.bin/wrangler'),
    ['deploy', '--dry-run', '--outdir', outdir, '--config', join(ROOT, 'wrangler.toml')],
    // No banner: printing it makes wrangler ask the npm registry for a newer version.
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true' } },
  );
  return join(outdir, 'index.js');
}

function migrationStatements() {
  const dir = join(ROOT, 'migrations');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('--> statement-breakpoint')
        // Comment lines go first: a comment ending in ';' would otherwise split into a statement-less chunk.
        .map((chunk) => chunk.split('\n').filter((line) => !line.trim().startsWith('--')).join('\n'))
        .flatMap((chunk) => chunk.split(/;\s*$/m))
        .map((s) => s.trim())
        // A comment line ending in `;` splits off a piece with no SQL in it, which D1 refuses.
        .filter((s) => s.replace(/--.*$/gm, '').trim() !== ''),
    );
}

/**
 * @param {{ vars?: Record<string,string>, secrets?: Record<string,string>, port?: number, script?: string, outboundService?: any, extraWorkers?: object[], inspectorPort?: number }} [options]
 *   extraWorkers: more Miniflare workers in the same instance (same workerd), each reached through
 *   its own `routes`; the benchmarks' bare baseline Worker runs this way, beside Ledge's bindings.
 * @returns {Promise<{ endpoint: string, url: URL, projectId: string, rootKey: string, script: string, mf: Miniflare, persist: string, dispose: () => Promise<void> }>}
 */
export async function startLedge(options = {}) {
  const script = options.script ?? buildBundle();
  // The assets Worker serves build/assets, which the bundle's dry-run build no longer makes.
  await buildAssets();
  // The bundle is self-contained ESM, so wrangler's module rules are not needed.
  const { modulesRules: _rules, ...workerOptions } = workerOptionsWithoutSecrets().workerOptions;
  const secrets = generateSecrets();
  // options.secrets: fixed values for secrets a run needs set (e.g. OAuth2 client secrets of fake providers).
  const bindings = { ...workerOptions.bindings, ...(options.vars ?? {}), ...secrets, ...(options.secrets ?? {}) };
  const persist = mkdtempSync(join(tmpdir(), 'ledge-'));
  const mf = new Miniflare(convertV4MiniflareOptions({
    host: '127.0.0.1',
    port: options.port ?? 0,
    // The V8 inspector, for CPU profiles (bench/profile.mjs).
    ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
    d1Persist: join(persist, 'd1'),
    r2Persist: join(persist, 'r2'),
    durableObjectsPersist: join(persist, 'do'),
    cachePersist: false,
    // /cdn-cgi/local/scheduled?time=… runs the Worker's cron handler (tests of scheduled functions).
    unsafeTriggerHandlers: true,
    workers: [
      {
        ...workerOptions,
        name: 'ledge',
        bindings,
        modules: true,
        modulesRoot: dirname(script),
        scriptPath: script,
        outboundService: options.outboundService,
      },
      assetsWorkerOptions(),
      ...(options.extraWorkers ?? []),
    ],
  }));
  const url = await mf.ready;
  const db = await mf.getD1Database('DB');
  for (const sql of migrationStatements()) await db.prepare(sql).run();
  const projectId = bindings.PROJECT_ID ?? 'local';
  return {
    endpoint: new URL('/v1', url).toString(),
    url,
    projectId,
    rootKey: secrets.ROOT_API_KEY,
    script,
    mf,
    persist,
    dispose: () => mf.dispose(),
  };
}
