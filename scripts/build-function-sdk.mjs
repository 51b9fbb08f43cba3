// Builds node-appwrite for function isolates (workers/functions/sdk.ts): one self-contained ES
// module per entry point, bundled by esbuild from the node-appwrite in node_modules (the version
// the e2e tests use). node-appwrite imports `undici` for fetch/FormData/File/Agent; on the Workers
// runtime those are globals, so `undici` is replaced by scripts/function-sdk-undici.mjs.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The asset paths workers/functions/sdk.ts reads. */
export const FUNCTION_SDK_ASSETS = { 'node-appwrite': 'functions/node-appwrite.mjs', 'node-appwrite/file': 'functions/node-appwrite-file.mjs' };

export async function buildFunctionSdk(outDir) {
  mkdirSync(join(outDir, 'functions'), { recursive: true });
  const entries = { 'node-appwrite': 'node_modules/node-appwrite/dist/index.mjs', 'node-appwrite/file': 'node_modules/node-appwrite/dist/inputFile.mjs' };
  for (const [name, entry] of Object.entries(entries)) {
    await build({
      entryPoints: [join(ROOT, entry)],
      outfile: join(outDir, FUNCTION_SDK_ASSETS[name]),
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2022',
      minify: true,
      legalComments: 'eof',
      alias: { undici: join(ROOT, 'scripts/function-sdk-undici.mjs') },
      external: ['fs', 'node:*'],
      logLevel: 'error',
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await buildFunctionSdk(process.argv[2] ?? join(ROOT, 'build/assets'));
