// `npm run dev`: a local Ledge with its project ready to use. Creates .dev.vars with fresh secrets on
// first run, applies the D1 migrations locally, starts `wrangler dev` (any flag after `npm run dev --`
// goes to it; PORT sets the port when --port is not given) and prints what an SDK needs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { clientOrigin, devSecretFlags, planDev, readDevVars, readyUrl } from './dev-plan.mjs';
import { generateJwtSigningKey, generateRootKey } from './secrets.mjs';
import { createAdmin, generateAdminPassword } from './admin-api.mjs';
import { ROOT, readWranglerConfig } from './wrangler-config.mjs';
import { buildAssets } from './build-assets.mjs';

const wrangler = join(ROOT, 'node_modules/.bin/wrangler');
const devVarsPath = join(ROOT, '.dev.vars');

if (!existsSync(devVarsPath)) {
  const fresh = { ROOT_API_KEY: generateRootKey(), JWT_SIGNING_KEY: generateJwtSigningKey() };
  const template = readFileSync(join(ROOT, '.dev.vars.example'), 'utf8');
  const filled = template.replace(/^([A-Z0-9_]+)=$/gm, (line, name) => (fresh[name] ? `${name}=${fresh[name]}` : line));
  writeFileSync(devVarsPath, filled, { mode: 0o600 });
  console.log('Created .dev.vars with fresh secrets.');
}
const devVars = readDevVars(readFileSync(devVarsPath, 'utf8'));
// The first admin of the admin realm (appwrite-cli's `login`), kept beside .dev.vars, never in it:
// the Worker has no use for it.
const adminPath = join(ROOT, '.dev.admin.json');
if (!existsSync(adminPath)) {
  writeFileSync(adminPath, `${JSON.stringify({ email: 'admin@ledge.local', password: generateAdminPassword() }, null, 2)}\n`, { mode: 0o600 });
}
const devAdmin = JSON.parse(readFileSync(adminPath, 'utf8'));
const config = readWranglerConfig();
const projectId = config.vars?.PROJECT_ID ?? 'local';

let plan;
try {
  plan = planDev(process.argv.slice(2), process.env);
} catch (err) {
  console.error(err.message);
  process.exit(1);
}

// The assets Worker serves build/assets (a no-op when it is up to date).
await buildAssets();

const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', ...plan.migrateArgs], {
  cwd: ROOT,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn(wrangler, ['dev', ...devSecretFlags(devVars, config), ...plan.devArgs], {
  cwd: ROOT,
  stdio: ['inherit', 'pipe', 'inherit'],
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => dev.kill(signal));
dev.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// wrangler's own "Ready on <url>" is the address it really listens on, whichever flags chose it.
let announced = false;
createInterface({ input: dev.stdout }).on('line', (line) => {
  process.stdout.write(`${line}\n`);
  const url = readyUrl(line);
  if (url && !announced) {
    announced = true;
    announce(clientOrigin(url)).catch((err) => console.error(`Ledge did not answer: ${err.message}`));
  }
});

async function announce(origin) {
  const endpoint = `${origin}/v1`;
  // A local https listener has a self-signed certificate that fetch refuses; there, Ready is enough.
  if (origin.startsWith('http:')) await untilPinged(endpoint);
  let admin = `${devAdmin.email} / ${devAdmin.password}   (appwrite login --endpoint ${endpoint})`;
  try {
    await createAdmin({ endpoint, projectId, rootKey: devVars.ROOT_API_KEY, email: devAdmin.email, password: devAdmin.password, name: 'Admin' });
  } catch (err) {
    admin = `not created: ${err.message}`;
  }
  console.log(`
  Ledge is running.
    Endpoint:    ${endpoint}
    Project ID:  ${projectId}
    Root key:    ${devVars.ROOT_API_KEY}
    Admin:       ${admin}

  new Client().setEndpoint('${endpoint}').setProject('${projectId}')   // appwrite / node-appwrite
`);
}

async function untilPinged(endpoint) {
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/ping`)).ok) return;
    } catch {
      // the Worker is still starting
    }
    if (Date.now() - started > 60_000) throw new Error(`no answer from ${endpoint}/ping within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
