// `npm run dev`: a local Ledge with its project ready to use. Creates .dev.vars with fresh secrets on
// first run, applies the D1 migrations locally, starts `wrangler dev` and prints what an SDK needs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './ledge-server.mjs';
import { generateJwtSigningKey, generateRootKey } from './secrets.mjs';

const port = Number(process.env.PORT ?? 8787);
const wrangler = join(ROOT, 'node_modules/.bin/wrangler');
const devVars = join(ROOT, '.dev.vars');

function readVars(text) {
  return Object.fromEntries(
    text
      .split('\n')
      .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l.trim()))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
}

if (!existsSync(devVars)) {
  const fresh = { ROOT_API_KEY: generateRootKey(), JWT_SIGNING_KEY: generateJwtSigningKey() };
  const template = readFileSync(join(ROOT, '.dev.vars.example'), 'utf8');
  const filled = template.replace(/^([A-Z0-9_]+)=$/gm, (line, name) => (fresh[name] ? `${name}=${fresh[name]}` : line));
  writeFileSync(devVars, filled, { mode: 0o600 });
  console.log('Created .dev.vars with fresh secrets.');
}
const vars = readVars(readFileSync(devVars, 'utf8'));
const config = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
const projectId = /^PROJECT_ID\s*=\s*"([^"]*)"/m.exec(config)?.[1] ?? 'local';

const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local'], {
  cwd: ROOT,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn(wrangler, ['dev', '--ip', '127.0.0.1', '--port', String(port), ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: ['inherit', 'pipe', 'inherit'],
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
});
dev.stdout.pipe(process.stdout);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));

const endpoint = `http://127.0.0.1:${port}/v1`;
const started = Date.now();
while (Date.now() - started < 60_000) {
  try {
    const res = await fetch(`${endpoint}/ping`);
    if (res.ok) break;
  } catch {
    // not listening yet
  }
  await new Promise((r) => setTimeout(r, 250));
}
console.log(`
  Ledge is running.
    Endpoint:    ${endpoint}
    Project ID:  ${projectId}
    Root key:    ${vars.ROOT_API_KEY}

  new Client().setEndpoint('${endpoint}').setProject('${projectId}')   // appwrite / node-appwrite
`);
