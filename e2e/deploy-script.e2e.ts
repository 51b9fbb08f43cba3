import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper
import { DeployError, deployLedge, resourcesOf } from '../scripts/deploy-steps.mjs';
// @ts-expect-error plain ESM helper
import { readWranglerConfig } from '../scripts/wrangler-config.mjs';
import { Command } from './support/processes';

/**
 * `npm run deploy` without Cloudflare: the script's steps run against hand-written copies of
 * wrangler's output (e2e/fixtures/wrangler), through a command runner that answers like wrangler
 * and records every command. The one real wrangler run is `npm run deploy -- --dry-run`, offline.
 */

const ROOT = resolve(import.meta.dirname, '..');
const fixture = (name: string) => readFileSync(join(ROOT, 'e2e/fixtures/wrangler', name), 'utf8');
const config = readWranglerConfig();
const ACCOUNT = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

type Result = { code: number; stdout: string; stderr: string };
type Call = { args: string[]; env: Record<string, string>; show: boolean; secretsFile?: Record<string, string> };
type Answer = Result | ((call: Call) => Result);

const ok = (stdout = ''): Result => ({ code: 0, stdout, stderr: '' });
const failed = (stderr: string): Result => ({ code: 1, stdout: '', stderr });

/** Answers the commands it knows (exact argument lists); any other command fails the test. */
function fakeWrangler(answers: Record<string, Answer>) {
  const calls: Call[] = [];
  const run = async (args: string[], options: { show?: boolean; env?: Record<string, string> } = {}) => {
    const call: Call = { args, env: options.env ?? {}, show: options.show ?? false };
    const file = args[args.indexOf('--secrets-file') + 1];
    if (args.includes('--secrets-file')) call.secretsFile = JSON.parse(readFileSync(file, 'utf8'));
    calls.push(call);
    const key = args.filter((a, i) => a !== '--secrets-file' && args[i - 1] !== '--secrets-file').join(' ');
    const answer = answers[key];
    if (!answer) throw new Error(`unexpected command: wrangler ${key}`);
    return typeof answer === 'function' ? answer(call) : answer;
  };
  return { run, calls, commands: () => calls.map((c) => c.args.filter((a) => !a.startsWith('/')).join(' ')) };
}

/** `wrangler deploy`: writes the deploy record where WRANGLER_OUTPUT_FILE_PATH says. */
const deployed = (call: Call): Result => {
  writeFileSync(call.env.WRANGLER_OUTPUT_FILE_PATH, fixture('deploy-output.ndjson'));
  return ok();
};

/** An account where Ledge's database, bucket and queues exist and the Worker has both secrets. */
const existingAccount = (overrides: Record<string, Answer> = {}): Record<string, Answer> => ({
  'whoami --json': ok(fixture('whoami.json')),
  'd1 list --json': ok(fixture('d1-list-with-ledge.json')),
  'r2 bucket list': ok(fixture('r2-bucket-list-with-ledge.txt')),
  'queues list --page 1': ok(fixture('queues-list-with-ledge.txt')),
  'd1 migrations apply ledge --remote': ok(),
  'secret list --format json': ok(fixture('secret-list-both.json')),
  'deploy --config wrangler.assets.toml': ok(),
  deploy: deployed,
  ...overrides,
});

const generators = { ROOT_API_KEY: () => 'root_generated', JWT_SIGNING_KEY: () => '{"kty":"EC","generated":true}' };
const quiet = () => {};

describe('npm run deploy, step by step', () => {
  it('reads what to create from wrangler.toml, which names the database without an id', () => {
    expect(resourcesOf(config)).toEqual({
      databases: ['ledge'],
      buckets: ['ledge-files'],
      queues: ['ledge-events', 'ledge-events-dlq', 'ledge-executions'],
      requiredSecrets: ['ROOT_API_KEY', 'JWT_SIGNING_KEY'],
    });
    // An id would stop wrangler from finding the database by name on another account.
    expect(config.d1_databases[0].database_id).toBeUndefined();
  });

  it('on a fresh account: creates the database, bucket and queues, migrates, deploys with generated secrets, returns the endpoint', async () => {
    const fake = fakeWrangler({
      'whoami --json': ok(fixture('whoami.json')),
      'd1 list --json': ok(fixture('d1-list-without-ledge.json')),
      'd1 create ledge': ok("✅ Successfully created DB 'ledge'"),
      'r2 bucket list': ok(fixture('r2-bucket-list-without-ledge.txt')),
      'r2 bucket create ledge-files': ok("Created bucket 'ledge-files'"),
      'queues list --page 1': ok(fixture('queues-list-other.txt')),
      'queues list --page 2': ok(fixture('queues-list-empty-page.txt')),
      'queues create ledge-events': ok(),
      'queues create ledge-events-dlq': ok(),
      'queues create ledge-executions': ok(),
      'd1 migrations apply ledge --remote': ok(),
      'secret list --format json': failed(fixture('secret-list-worker-not-found.txt')),
      'deploy --config wrangler.assets.toml': ok(),
      deploy: deployed,
    });
    const logged: string[] = [];
    const result = await deployLedge({ run: fake.run, config, generators, log: (l: string) => logged.push(l), environment: {} });

    expect(fake.commands()).toEqual([
      'whoami --json',
      'd1 list --json',
      'd1 create ledge',
      'r2 bucket list',
      'r2 bucket create ledge-files',
      'queues list --page 1',
      'queues list --page 2',
      'queues create ledge-events',
      'queues create ledge-events-dlq',
      'queues create ledge-executions',
      'd1 migrations apply ledge --remote',
      'secret list --format json',
      // The assets Worker before Ledge, whose ASSETS service binding names it.
      'deploy --config wrangler.assets.toml',
      'deploy --secrets-file',
    ]);
    // Every command after whoami acts on the one account, so none stops to ask which.
    expect(fake.calls.slice(1).every((c) => c.env.CLOUDFLARE_ACCOUNT_ID === ACCOUNT)).toBe(true);
    // The user sees (and may confirm) the migrations and the deploy.
    expect(fake.calls.filter((c) => c.show).map((c) => c.args[0])).toEqual(['d1', 'deploy', 'deploy']);
    const deploy = fake.calls.at(-1)!;
    expect(deploy.secretsFile).toEqual({ ROOT_API_KEY: 'root_generated', JWT_SIGNING_KEY: '{"kty":"EC","generated":true}' });
    expect(existsSync(deploy.args[deploy.args.indexOf('--secrets-file') + 1])).toBe(false);

    expect(result).toEqual({
      endpoint: 'https://ledge.ada-example.workers.dev/v1',
      projectId: 'local',
      rootKey: 'root_generated',
      created: ['D1 database ledge', 'R2 bucket ledge-files', 'queue ledge-events', 'queue ledge-events-dlq', 'queue ledge-executions'],
    });
    expect(logged).toContain('Created D1 database ledge.');
  });

  it('run again: creates nothing, keeps the secrets the Worker has, still migrates and deploys', async () => {
    const fake = fakeWrangler(existingAccount({ 'deploy --minify': deployed }));
    const result = await deployLedge({ run: fake.run, config, generators, log: quiet, deployArgs: ['--minify'], environment: {} });

    expect(fake.commands()).not.toContainEqual(expect.stringMatching(/create/));
    expect(fake.calls.at(-1)!.args).toEqual(['deploy', '--minify']);
    expect(result).toMatchObject({ endpoint: 'https://ledge.ada-example.workers.dev/v1', rootKey: undefined, created: [] });
  });

  it('generates only the required secrets the Worker lacks', async () => {
    const fake = fakeWrangler(existingAccount({ 'secret list --format json': ok(fixture('secret-list-jwt-only.json')) }));
    const result = await deployLedge({ run: fake.run, config, generators, log: quiet, environment: {} });
    expect(fake.calls.at(-1)!.secretsFile).toEqual({ ROOT_API_KEY: 'root_generated' });
    expect(result.rootKey).toBe('root_generated');
  });

  it('stops before anything else when not logged in', async () => {
    const fake = fakeWrangler({ 'whoami --json': { code: 1, stdout: fixture('whoami-logged-out.json'), stderr: '' } });
    const err = await deployLedge({ run: fake.run, config, generators, log: quiet, environment: {} }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(DeployError);
    expect(err.message).toMatch(/npx wrangler login/);
    expect(fake.commands()).toEqual(['whoami --json']);
  });

  it('with several accounts, asks for CLOUDFLARE_ACCOUNT_ID, then uses it', async () => {
    const listing = fakeWrangler({ 'whoami --json': ok(fixture('whoami-two-accounts.json')) });
    const err = await deployLedge({ run: listing.run, config, generators, log: quiet, environment: {} }).catch((e: Error) => e);
    expect(err.message).toMatch(/CLOUDFLARE_ACCOUNT_ID/);
    expect(err.message).toContain('9a8b7c6d5e4f30211203f4e5d6c7b8a9  Analytical Engines Ltd');

    const chosen = fakeWrangler(existingAccount({ 'whoami --json': ok(fixture('whoami-two-accounts.json')) }));
    await deployLedge({ run: chosen.run, config, generators, log: quiet, environment: { CLOUDFLARE_ACCOUNT_ID: '9a8b7c6d5e4f30211203f4e5d6c7b8a9' } });
    expect(chosen.calls.slice(1).every((c) => c.env.CLOUDFLARE_ACCOUNT_ID === '9a8b7c6d5e4f30211203f4e5d6c7b8a9')).toBe(true);
  });

  it('stops at the first failing command and shows what wrangler said; nothing is deployed', async () => {
    const fake = fakeWrangler(existingAccount({
      'r2 bucket list': ok(fixture('r2-bucket-list-without-ledge.txt')),
      'r2 bucket create ledge-files': failed('✘ [ERROR] A request to the Cloudflare API failed. Please enable R2 through the Cloudflare Dashboard. [code: 10042]'),
    }));
    const err = await deployLedge({ run: fake.run, config, generators, log: quiet, environment: {} }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(DeployError);
    expect(err.message).toMatch(/r2 bucket create ledge-files failed[\s\S]*enable R2/);
    expect(fake.commands().at(-1)).toBe('r2 bucket create ledge-files');
  });

  it('refuses to deploy while a required secret it cannot generate is unset', async () => {
    const withMail = { ...config, secrets: { required: ['ROOT_API_KEY', 'JWT_SIGNING_KEY', 'MAIL_API_KEY'] } };
    const fake = fakeWrangler(existingAccount());
    const err = await deployLedge({ run: fake.run, config: withMail, generators, log: quiet, environment: {} }).catch((e: Error) => e);
    expect(err.message).toMatch(/Set MAIL_API_KEY first: npx wrangler secret put/);
    expect(fake.commands()).not.toContain('deploy');
  });
});

describe('npm run deploy -- --dry-run', () => {
  it('bundles the Worker offline, as wrangler deploy would upload it', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'ledge-dry-run-'));
    try {
      const dryRun = new Command('npm', ['run', 'deploy', '--', '--dry-run', '--outdir', outdir], {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_HIDE_BANNER: 'true', WRANGLER_SEND_METRICS: 'false' },
      });
      expect(await dryRun.exited).toBe(0);
      // Ledge's bundle, then the assets Worker's (build/assets, no script).
      expect(dryRun.output().match(/--dry-run: exiting now/g)).toHaveLength(2);
      expect(existsSync(join(outdir, 'index.js'))).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
