import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Node-side tests: a real Ledge Worker (the built bundle under Miniflare) driven by the official
// `appwrite` and `node-appwrite` SDKs, exactly as apps use them.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    // sdk/test: the @ledge/client tests (its own unit tests, and the core scenarios against this Ledge).
    include: ['e2e/**/*.e2e.ts', 'test/security/node/**/*.node.ts', 'sdk/test/**/*.test.ts', 'sdk/test/**/*.e2e.ts'],
    globalSetup: ['./e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.ci-results/e2e.json' }]] : ['default'],
  },
});
