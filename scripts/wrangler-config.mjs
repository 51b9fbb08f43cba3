// wrangler.toml as the Node-side scripts see it: read through wrangler's own parser, so the dev,
// deploy and test tooling never disagree with `wrangler deploy` about names, bindings or vars.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WRANGLER_TOML = join(ROOT, 'wrangler.toml');
/** The assets Worker (`ledge-assets`), bound to Ledge as `ASSETS`. */
export const ASSETS_WRANGLER_TOML = join(ROOT, 'wrangler.assets.toml');

export function readWranglerConfig() {
  return unstable_readConfig({ config: WRANGLER_TOML });
}

/**
 * Miniflare options for the Worker exactly as wrangler.toml declares it (vars, D1, R2, Durable
 * Objects, queues, loader, images, crons), with no secret bound: tests and benchmarks bind their own
 * per-run secrets. Wrangler's secret loading is left out on purpose. Given `[secrets] required`, it
 * reads .dev.vars (or .env and all of process.env when there is none), logs where it found them and
 * warns about each required name missing there; under the vitest plugin, once per test file. An env
 * file that does not exist makes it skip .dev.vars, and a config without `secrets` makes it skip
 * process.env, so it reads nothing and says nothing.
 */
export function workerOptionsWithoutSecrets() {
  const config = readWranglerConfig();
  // A path below a file, so it can never exist.
  const noEnvFile = join(fileURLToPath(import.meta.url), 'none.env');
  const { workerOptions, main } = unstable_getMiniflareWorkerOptions({ ...config, secrets: undefined }, undefined, {
    envFiles: [noEnvFile],
  });
  return { workerOptions, main, config };
}

/**
 * Miniflare options for the assets Worker as wrangler.assets.toml declares it. It has no script of
 * its own (Miniflare still wants one, which its asset router never calls); build/assets must exist
 * (scripts/build-assets.mjs `buildAssets`). Run it beside Ledge in the same Miniflare, where Ledge's
 * `ASSETS` service binding finds it by name.
 */
export function assetsWorkerOptions() {
  const config = unstable_readConfig({ config: ASSETS_WRANGLER_TOML });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config, undefined, {});
  return { name: config.name, modules: true, script: 'export default {};', compatibilityDate: workerOptions.compatibilityDate, assets: workerOptions.assets };
}
