// Measures @ledge/client next to appwrite@27: each case bundled by esbuild (minified, ESM, for
// browsers) and gzipped. `--write` puts the table into sdk/README.md and the main README between
// the size markers; sdk/test/size.test.ts checks, in CI, that the budget holds and that the READMEs
// show what this script measures now.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const SDK = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = join(SDK, '..');
/** The goal from issue 17: a third of appwrite@27's 34.5 KB. */
export const BUDGET_KB = 11.5;

const CASES = [
  { name: '@ledge/client, whole client', code: `export * from './src/index.ts';` },
  { name: '@ledge/client, account + tables', code: `export { createCore } from './src/core.ts'; export { createAccount } from './src/account.ts'; export { createTables } from './src/tables.ts'; export { Query } from './src/query.ts';` },
  { name: 'appwrite@27, whole client', code: `export * from 'appwrite';` },
  { name: 'appwrite@27, account + tables', code: `export { Client, Account, TablesDB, Query } from 'appwrite';` },
];

async function measure(code) {
  const out = await build({
    stdin: { contents: code, resolveDir: SDK, loader: 'ts' },
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2020', write: false, logLevel: 'silent',
    nodePaths: [join(ROOT, 'node_modules')],
  });
  const bytes = out.outputFiles[0].contents;
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

const kb = (n) => (n / 1000).toFixed(1);

/** `[{ name, min, gzip }]`, sizes in bytes. */
export async function measureAll() {
  const rows = [];
  for (const c of CASES) rows.push({ name: c.name, ...(await measure(c.code)) });
  return rows;
}

/** The README table (KB = 1,000 bytes). */
export function table(rows) {
  return [
    '| bundle (esbuild, minified) | minified | gzip |',
    '|---|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${kb(r.min)} KB | ${kb(r.gzip)} KB |`),
  ].join('\n');
}

export const READMES = [join(SDK, 'README.md'), join(ROOT, 'README.md')];
const START = '<!-- size:start (sdk/scripts/size.mjs --write) -->';
const END = '<!-- size:end -->';

/** The table each README shows now (null when it has no size markers). */
export function tableIn(file) {
  const text = readFileSync(file, 'utf8');
  const i = text.indexOf(START);
  const j = text.indexOf(END);
  return i < 0 || j < i ? null : text.slice(i + START.length, j).trim();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await measureAll();
  const t = table(rows);
  console.log(t);
  if (process.argv.includes('--write')) {
    for (const file of READMES) {
      const text = readFileSync(file, 'utf8');
      const i = text.indexOf(START);
      const j = text.indexOf(END);
      if (i < 0 || j < i) throw new Error(`${file}: no size markers`);
      writeFileSync(file, `${text.slice(0, i + START.length)}\n${t}\n${text.slice(j)}`);
    }
  }
}
