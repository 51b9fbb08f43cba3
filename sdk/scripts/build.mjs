// Builds @ledge/client into sdk/dist with the project's toolchain: esbuild writes one ESM module
// per entry (shared code split into chunks, so a bundler keeps only the services imported) and
// the ledge-types CLI for Node; tsc writes the type declarations.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const SDK = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ENTRIES = ['index', 'core', 'account', 'teams', 'tables', 'storage', 'functions', 'realtime', 'query', 'permission'];

export async function buildSdk(outdir = join(SDK, 'dist')) {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: ENTRIES.map((e) => join(SDK, 'src', `${e}.ts`)),
    outdir, bundle: true, splitting: true, format: 'esm', platform: 'neutral', target: 'es2020', logLevel: 'warning',
  });
  await build({
    entryPoints: [join(SDK, 'bin', 'ledge-types.ts')],
    outfile: join(outdir, 'ledge-types.js'), bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning',
  });
  execFileSync(join(SDK, '..', 'node_modules', '.bin', 'tsc'), ['-p', join(SDK, 'tsconfig.build.json'), '--outDir', outdir], { stdio: 'inherit' });
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildSdk();
