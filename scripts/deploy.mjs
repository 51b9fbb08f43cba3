// `npm run deploy`: after `npx wrangler login`, creates what wrangler.toml names and the account lacks
// (D1 database, R2 bucket, queues), applies the migrations remotely, generates the required secrets
// the Worker does not have yet, deploys, and prints what an SDK needs. Safe to run again: it only
// creates what is missing. It deploys the assets Worker (wrangler.assets.toml) before Ledge. Flags
// after `--` go to Ledge's `wrangler deploy`; with --dry-run, only the two dry runs happen.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ASSETS_DEPLOY, DeployError, deployLedge } from './deploy-steps.mjs';
import { generateJwtSigningKey, generateRootKey } from './secrets.mjs';
import { ROOT, readWranglerConfig } from './wrangler-config.mjs';

const wrangler = join(ROOT, 'node_modules/.bin/wrangler');
const deployArgs = process.argv.slice(2);

/** @type {import('./deploy-steps.mjs').Runner} */
function run(args, { show = false, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(wrangler, args, {
      cwd: ROOT,
      stdio: show ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

if (deployArgs.includes('--dry-run')) {
  const { code } = await run(['deploy', ...deployArgs], { show: true });
  if (code !== 0) process.exit(code);
  process.exit((await run([...ASSETS_DEPLOY, '--dry-run'], { show: true })).code);
}

const config = readWranglerConfig();
try {
  const result = await deployLedge({
    run,
    config,
    deployArgs,
    generators: { ROOT_API_KEY: generateRootKey, JWT_SIGNING_KEY: generateJwtSigningKey },
  });
  const rootKey = result.rootKey
    ? `${result.rootKey}\n                 (shown once: keep it; the Worker holds it as a secret nobody can read back)`
    : 'set by an earlier deploy (replace it with `npx wrangler secret put ROOT_API_KEY`)';
  console.log(`
  Ledge is deployed.
    Endpoint:    ${result.endpoint ?? '(no workers.dev URL: see the routes wrangler printed above)'}
    Project ID:  ${result.projectId}
    Root key:    ${rootKey}
`);
  if (config.vars?.ALLOW_LOCALHOST_ORIGINS === 'true') {
    console.log('  For production, set ALLOWED_ORIGINS to your apps\' hosts and ALLOW_LOCALHOST_ORIGINS = "false" in wrangler.toml [vars], then run npm run deploy again.\n');
  }
} catch (err) {
  if (!(err instanceof DeployError)) throw err;
  console.error(err.message);
  process.exit(1);
}
