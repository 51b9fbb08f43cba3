import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Locale, Users } from 'node-appwrite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper
import { clientOrigin, devSecretFlags, planDev, readDevVars, readyUrl } from '../scripts/dev-plan.mjs';
import { Command, freePort, listening } from './support/processes';

/**
 * `npm run dev` as a newcomer runs it: in a fresh copy of the project (no .dev.vars, no local
 * state), through npm, with wrangler's own flags after `--` or PORT in the environment.
 */

const ROOT = resolve(import.meta.dirname, '..');
// What a clone has that the dev server does not need, or that must start absent.
const NOT_COPIED = new Set(['node_modules', '.git', '.wrangler', 'dist', '.ci-results', '.e2e-state', 'bench', 'e2e', 'test']);
const STARTUP_MS = 150_000;

let project: string;
let running: Command | undefined;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'ledge-dev-'));
  for (const name of readdirSync(ROOT)) {
    const localSecrets = name.startsWith('.dev.vars') && name !== '.dev.vars.example';
    if (!NOT_COPIED.has(name) && !localSecrets) {
      cpSync(join(ROOT, name), join(project, name), { recursive: true });
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

function npmRunDev(args: string[], env: Record<string, string>): Command {
  return new Command('npm', ['run', 'dev', ...(args.length ? ['--', ...args] : [])], {
    cwd: project,
    env: {
      ...process.env,
      ...env,
      // Nothing reaches the network: no update check in wrangler's banner, no Request.cf download.
      WRANGLER_HIDE_BANNER: 'true',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_SEND_METRICS: 'false',
    },
  });
}

/** The banner's fields, once the dev server has printed it. */
async function banner(dev: Command) {
  const [, endpoint, projectId, rootKey] = await dev.waitFor(/Endpoint:\s+(\S+)\s+Project ID:\s+(\S+)\s+Root key:\s+(\S+)/, STARTUP_MS);
  return { endpoint, projectId, rootKey };
}

describe('npm run dev', () => {
  it('PORT=<n> on a fresh clone: creates .dev.vars, serves on <n>, and prints that address and a working root key', async () => {
    const port = await freePort();
    running = npmRunDev([], { PORT: String(port) });
    const shown = await banner(running);

    expect(running.output()).toContain('Created .dev.vars with fresh secrets.');
    expect(shown).toEqual({ endpoint: `http://127.0.0.1:${port}/v1`, projectId: 'local', rootKey: expect.stringMatching(/^root_/) });
    expect(readFileSync(join(project, '.dev.vars'), 'utf8')).toContain(`ROOT_API_KEY=${shown.rootKey}`);

    const client = new Client().setEndpoint(shown.endpoint).setProject(shown.projectId);
    expect(await client.ping()).toEqual({ message: 'Pong!' });
    // Locale tables come from the assets Worker, which npm run dev runs beside Ledge.
    expect((await new Locale(client).listCountries()).total).toBeGreaterThan(200);
    expect(await new Users(client.setKey(shown.rootKey)).list()).toMatchObject({ total: 0 });

    await running.stop();
    expect(await listening(port)).toBe(false);
  }, STARTUP_MS + 30_000);

  it('--port/--ip after `--` go to wrangler once and win over PORT; OAuth2 client secrets in .dev.vars are bound', async () => {
    // The first test (or an earlier run) left .dev.vars; a provider is configured only there.
    if (!existsSync(join(project, '.dev.vars'))) throw new Error('the first test creates .dev.vars');
    appendFileSync(join(project, '.dev.vars'), '\nOAUTH2_GITHUB_CLIENT_ID=gh-dev-client\nOAUTH2_GITHUB_CLIENT_SECRET="gh-dev-secret"\n');
    const [port, ignoredPort] = [await freePort(), await freePort()];
    running = npmRunDev(['--port', String(port), '--ip', '127.0.0.1'], { PORT: String(ignoredPort) });
    const shown = await banner(running);

    expect(shown.endpoint).toBe(`http://127.0.0.1:${port}/v1`);
    expect(running.output()).not.toMatch(/expects a single value/);
    expect(await listening(ignoredPort)).toBe(false);

    // GitHub counts as configured only with both its client id and secret: otherwise 412 project_provider_disabled.
    const start = new URL(`${shown.endpoint}/account/sessions/oauth2/github`);
    start.search = new URLSearchParams({ project: shown.projectId, success: 'http://localhost:5173/ok', failure: 'http://localhost:5173/fail' }).toString();
    const res = await fetch(start, { redirect: 'manual' });
    expect(res.status).toBe(301);
    const provider = new URL(res.headers.get('Location') ?? '');
    expect(provider.origin + provider.pathname).toBe('https://github.com/login/oauth/authorize');
    expect(provider.searchParams.get('client_id')).toBe('gh-dev-client');
    // wrangler's binding table shows the secret's name, never its value.
    expect(running.output()).toContain('OAUTH2_GITHUB_CLIENT_SECRET');
    expect(running.output()).not.toContain('gh-dev-secret');
  }, STARTUP_MS + 30_000);
});

describe('the dev script\'s plan', () => {
  it('adds --ip and PORT only where the caller gave none, and keeps the caller\'s flags last', () => {
    const both = ['-c', 'wrangler.toml', '-c', 'wrangler.assets.toml'];
    expect(planDev([], {}).devArgs).toEqual([...both, '--ip', '127.0.0.1']);
    expect(planDev([], { PORT: '9000' }).devArgs).toEqual([...both, '--ip', '127.0.0.1', '--port', '9000']);
    expect(planDev(['--port=9001', '--ip', '0.0.0.0'], { PORT: '9000' }).devArgs).toEqual([...both, '--port=9001', '--ip', '0.0.0.0']);
    // A config the caller names replaces both.
    expect(planDev(['-c', 'mine.toml'], {}).devArgs).toEqual(['--ip', '127.0.0.1', '-c', 'mine.toml']);
    expect(() => planDev([], { PORT: 'http' })).toThrow(/PORT/);
  });

  it('sends the flags that choose the local database to the migrations too', () => {
    const { migrateArgs } = planDev(['--persist-to', '/tmp/state', '-e', 'staging', '--config=other.toml', '--var', 'A:b'], {});
    expect(migrateArgs).toEqual(['--persist-to', '/tmp/state', '--env', 'staging', '--config', 'other.toml']);
  });

  it('passes by hand only the non-empty .dev.vars secrets that wrangler dev drops', () => {
    const devVars = readDevVars('ROOT_API_KEY=r\nMAIL_API_KEY=\nOAUTH2_APPLE_PRIVATE_KEY="-----BEGIN\\nKEY"\nPROJECT_ID=mine\n');
    const config = { vars: { PROJECT_ID: 'local' }, secrets: { required: ['ROOT_API_KEY'] } };
    expect(devSecretFlags(devVars, config)).toEqual(['--var', 'OAUTH2_APPLE_PRIVATE_KEY:-----BEGIN\nKEY']);
  });

  it('prints a reachable address for wrangler\'s Ready line', () => {
    expect(readyUrl('\x1b[32m[wrangler:info] Ready on http://0.0.0.0:8788\x1b[0m')).toBe('http://0.0.0.0:8788');
    expect(clientOrigin('http://0.0.0.0:8788')).toBe('http://127.0.0.1:8788');
    expect(readyUrl('[wrangler:info] GET /v1/ping 200 OK')).toBeUndefined();
  });
});
