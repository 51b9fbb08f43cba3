import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
// @ts-expect-error plain ESM helper shared with the dev and e2e scripts
import { generateSecrets } from './scripts/secrets.mjs';
// @ts-expect-error plain ESM helper shared with the dev and e2e scripts
import { assetsWorkerOptions, workerOptionsWithoutSecrets } from './scripts/wrangler-config.mjs';
import { refuseNetwork } from './test/security/node/network-guard';
// @ts-expect-error plain ESM helper, also run by wrangler's [build] step
import { buildAssets } from './scripts/build-assets.mjs';

// Unit and integration tests, inside workerd, with every binding from wrangler.toml.
// Secrets are generated per run and passed as bindings: .dev.vars is never read. The Worker's options
// come from wrangler.toml without its secret loading (see scripts/wrangler-config.mjs), not from the
// plugin's `wrangler.configPath`, which would warn about `[secrets] required` once per test file.
export default defineConfig(async () => {
  // build/assets (icon sets, font, locale tables, the functions' node-appwrite) must exist before
  // the assets Worker (wrangler.assets.toml) serves it to Ledge's ASSETS binding.
  await buildAssets();
  const migrations = await readD1Migrations(fileURLToPath(new URL('./migrations', import.meta.url)));
  const { workerOptions, main } = workerOptionsWithoutSecrets();
  const { modulesRules, ...worker } = workerOptions;
  return {
    plugins: [
      cloudflareTest({
        main,
        miniflare: {
          ...worker,
          modulesRules,
          bindings: {
            ...worker.bindings,
            ...generateSecrets(),
            TEST_MIGRATIONS: migrations,
            // Fake OAuth2 providers (workers/account/oauth2/testing): served by a fetch stub, never the network.
            OAUTH2_GITHUB_CLIENT_ID: 'gh-client',
            OAUTH2_GITHUB_CLIENT_SECRET: 'gh-secret',
            OAUTH2_OIDC_CLIENT_ID: 'oidc-client',
            OAUTH2_OIDC_CLIENT_SECRET: 'oidc-secret',
            OAUTH2_OIDC_ISSUER: 'https://idp.test',
          },
          // No network in tests: any outbound fetch a test did not stub is refused and fails the run.
          outboundService: refuseNetwork,
          // The per-IP ceiling over a minute, so that test/security/rate-limits.test.ts reaches it in
          // one window while no other test's browser (one fresh IP each) comes near it.
          ratelimits: { IP_RATE_LIMITER: { namespace_id: '1001', simple: { limit: 1000, period: 60 } } },
          workers: [assetsWorkerOptions()],
        },
      }),
    ],
    test: {
      include: ['workers/**/*.test.ts', 'durable-objects/**/*.test.ts', 'test/**/*.test.ts'],
      setupFiles: ['./test/apply-migrations.ts', './test/security/production-limits.setup.ts'],
      globalSetup: ['./test/security/node/network-guard.setup.ts'],
      testTimeout: 30_000,
      // CI also writes a JSON summary that .ci/run turns into one 'N passed, N failed' line.
      reporters: process.env.CI ? ['default', ['json', { outputFile: '.ci-results/unit.json' }]] : ['default'],
    },
  };
});
