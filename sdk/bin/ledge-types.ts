#!/usr/bin/env node
/**
 * `ledge-types` (`npm run types:tables`): writes TypeScript row types for a live project.
 *   --endpoint <url>  (or LEDGE_ENDPOINT)   --project <id> (or LEDGE_PROJECT, default `local`)
 *   --key <api key>   (or LEDGE_API_KEY)    --out <file>   (default: stdout)
 */
import { writeFileSync } from 'node:fs';
import { generateTypes, readSchema } from '../src/codegen.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const endpoint = flag('endpoint') ?? process.env.LEDGE_ENDPOINT;
const project = flag('project') ?? process.env.LEDGE_PROJECT ?? 'local';
const key = flag('key') ?? process.env.LEDGE_API_KEY;
const out = flag('out');
if (!endpoint || !key) {
  console.error('usage: ledge-types --endpoint <url>/v1 --project <id> --key <api key> [--out schema.ts]');
  process.exit(2);
}
try {
  const text = generateTypes(await readSchema(endpoint, project, key));
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
} catch (err) {
  console.error(`ledge-types: ${(err as Error).message}`);
  process.exit(1);
}
