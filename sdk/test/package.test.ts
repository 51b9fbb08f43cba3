/**
 * The package as published: the type fixtures compile (every `@ts-expect-error` in test/types is a
 * real error), the size budget holds and the READMEs show the sizes measured now, and the built
 * modules import nothing at run time (no dependencies, nothing from workers/).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script
import { BUDGET_KB, measureAll, READMES, table, tableIn } from '../scripts/size.mjs';
// @ts-expect-error plain ESM script
import { buildSdk, ENTRIES } from '../scripts/build.mjs';

const SDK = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(SDK, '..', 'node_modules', '.bin', 'tsc');

describe('@ledge/client package', () => {
  it.concurrent('type fixtures: wrong tables, columns and value types fail to compile, right ones pass', async () => {
    const run = promisify(execFile)(tsc, ['-p', join(SDK, 'tsconfig.json')]);
    await expect(run).resolves.toBeDefined();
  });

  it('stays within the size budget, and the READMEs show what the size script measures', async () => {
    const rows: { name: string; min: number; gzip: number }[] = await measureAll();
    const whole = rows.find((r) => r.name === '@ledge/client, whole client')!;
    const appwrite = rows.find((r) => r.name === 'appwrite@27, whole client')!;
    expect(whole.gzip / 1000).toBeLessThanOrEqual(BUDGET_KB);
    expect(whole.gzip * 3).toBeLessThan(appwrite.gzip);
    for (const file of READMES) expect(tableIn(file), `${file}: run node sdk/scripts/size.mjs --write`).toBe(table(rows));
  });

  it.concurrent('builds ESM modules with declarations that import no package and nothing from workers/', async () => {
    const out: string = await buildSdk(mkdtempSync(join(tmpdir(), 'ledge-sdk-')));
    const files = readdirSync(out);
    for (const e of ENTRIES) expect(files).toEqual(expect.arrayContaining([`${e}.js`, `${e}.d.ts`]));
    for (const f of files.filter((f) => f.endsWith('.js') && f !== 'ledge-types.js')) {
      const imports = [...readFileSync(join(out, f), 'utf8').matchAll(/(?:from|import)\s*["']([^"']+)["']/g)].map((m) => m[1]);
      expect(imports.every((i) => i.startsWith('./chunk-')), `${f} imports ${imports}`).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(join(SDK, 'package.json'), 'utf8'));
    expect(pkg.dependencies).toBeUndefined();
    const mod = await import(pathToFileURL(join(out, 'index.js')).href);
    expect(Object.keys(mod)).toEqual(expect.arrayContaining(['createClient', 'createCore', 'createTables', 'LedgeError', 'Query', 'ID']));
    const account = await import(pathToFileURL(join(out, 'account.js')).href);
    expect(Object.keys(account)).toEqual(['createAccount']);
  });
});
