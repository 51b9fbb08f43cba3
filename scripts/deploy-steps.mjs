// `npm run deploy`: from `wrangler login` to a working Ledge on a fresh account. Every step is a
// wrangler command, read through its --json output where wrangler offers one; the command runner is
// passed in, so the tests drive these steps with hand-written copies of wrangler's output.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

/**
 * @typedef {{ code: number, stdout: string, stderr: string }} RunResult
 * @typedef {(args: string[], options?: { show?: boolean, env?: Record<string, string> }) => Promise<RunResult>} Runner
 *   Runs `wrangler <args>`. `show`: the user sees the command's output and may answer its prompts
 *   (stdout is then not captured).
 */

export class DeployError extends Error {}

/** Deploys the assets Worker (wrangler.assets.toml), which Ledge's ASSETS service binding names. */
export const ASSETS_DEPLOY = ['deploy', '--config', 'wrangler.assets.toml'];

/** What wrangler.toml names: the resources to find or create, and the secrets the Worker requires. */
export function resourcesOf(config) {
  const producers = config.queues?.producers ?? [];
  const consumers = config.queues?.consumers ?? [];
  const queues = [...producers.map((p) => p.queue), ...consumers.flatMap((c) => [c.queue, c.dead_letter_queue])];
  return {
    databases: (config.d1_databases ?? []).map((d) => d.database_name),
    buckets: (config.r2_buckets ?? []).map((b) => b.bucket_name),
    queues: [...new Set(queues.filter(Boolean))],
    requiredSecrets: config.secrets?.required ?? [],
  };
}

/**
 * @param {{ run: Runner, config: object, generators: Record<string, () => string>, log?: (line: string) => void, deployArgs?: string[], environment?: Record<string, string | undefined> }} deps
 *   config: wrangler.toml as wrangler reads it; generators: how to make a value for each required
 *   secret the script may create; deployArgs: extra flags for `wrangler deploy`.
 * @returns {Promise<{ endpoint: string | undefined, projectId: string, rootKey: string | undefined, created: string[] }>}
 */
export async function deployLedge({ run, config, generators, log = console.log, deployArgs = [], environment = process.env }) {
  const wanted = resourcesOf(config);
  const account = await accountId(run, config.account_id ?? environment.CLOUDFLARE_ACCOUNT_ID);
  const env = { CLOUDFLARE_ACCOUNT_ID: account };
  const created = [];

  const ensure = async (kind, names, existing, createArgs) => {
    for (const name of names.filter((n) => !existing.includes(n))) {
      await must(run, [...createArgs, name], env);
      created.push(`${kind} ${name}`);
      log(`Created ${kind} ${name}.`);
    }
  };
  const databases = (await json(run, ['d1', 'list', '--json'], env)).map((db) => db.name);
  await ensure('D1 database', wanted.databases, databases, ['d1', 'create']);
  await ensure('R2 bucket', wanted.buckets, bucketNames(await must(run, ['r2', 'bucket', 'list'], env)), ['r2', 'bucket', 'create']);
  await ensure('queue', wanted.queues, await queueNames(run, env, wanted.queues), ['queues', 'create']);

  for (const name of wanted.databases) await must(run, ['d1', 'migrations', 'apply', name, '--remote'], env, true);

  const present = await existingSecrets(run, env);
  const absent = wanted.requiredSecrets.filter((name) => !present.includes(name));
  const unknown = absent.filter((name) => !generators[name]);
  if (unknown.length) {
    throw new DeployError(`Set ${unknown.join(', ')} first: npx wrangler secret put <NAME> (Ledge cannot generate ${unknown.length > 1 ? 'them' : 'it'}).`);
  }
  const fresh = Object.fromEntries(absent.map((name) => [name, generators[name]()]));
  // The assets Worker first: wrangler refuses a service binding to a Worker that does not exist.
  await must(run, ASSETS_DEPLOY, env, true);
  const endpoint = await deployWorker(run, env, fresh, deployArgs);
  return { endpoint, projectId: config.vars?.PROJECT_ID ?? 'local', rootKey: fresh.ROOT_API_KEY, created };
}

/** The account every later command acts on, so none of them stops to ask. */
async function accountId(run, chosen) {
  const who = await run(['whoami', '--json']);
  if (who.code !== 0) throw new DeployError('Not logged in to Cloudflare: run `npx wrangler login` first (or set CLOUDFLARE_API_TOKEN).');
  const { accounts = [] } = parseJson(who.stdout, 'wrangler whoami --json');
  if (chosen) return chosen;
  if (accounts.length === 1) return accounts[0].id;
  const list = accounts.map((a) => `  ${a.id}  ${a.name}`).join('\n');
  throw new DeployError(`Choose the account to deploy to: set CLOUDFLARE_ACCOUNT_ID to one of\n${list}`);
}

/** `r2 bucket list` has no --json: its output is blocks of "name: …" / "creation_date: …" lines. */
export function bucketNames(result) {
  return lines(result.stdout).flatMap((l) => /^name:\s+(\S+)$/.exec(l)?.[1] ?? []);
}

/** `queues list` has no --json: a table, one page at a time, with a `name` column. */
async function queueNames(run, env, wanted) {
  const found = [];
  for (let page = 1; page <= 50; page++) {
    const names = queueTableNames(await must(run, ['queues', 'list', '--page', String(page)], env));
    found.push(...names);
    if (names.length === 0 || wanted.every((n) => found.includes(n))) break;
  }
  return found;
}

export function queueTableNames(result) {
  const rows = lines(result.stdout)
    .filter((l) => l.startsWith('│'))
    .map((l) => l.split('│').slice(1, -1).map((cell) => cell.trim()));
  const column = rows[0]?.indexOf('name') ?? -1;
  return column < 0 ? [] : rows.slice(1).map((row) => row[column]);
}

/** Names of the secrets the deployed Worker has; none while it has never been deployed. */
async function existingSecrets(run, env) {
  const result = await run(['secret', 'list', '--format', 'json'], { env });
  if (result.code !== 0) {
    if (/not found/i.test(result.stdout + result.stderr)) return [];
    throw failure(['secret', 'list'], result);
  }
  return parseJson(result.stdout, 'wrangler secret list').map((s) => s.name);
}

/**
 * `wrangler deploy`, with the freshly generated secrets in a secrets file: the one way to give a
 * Worker that does not exist yet the secrets wrangler.toml requires (the file is removed after).
 * The endpoint comes from the deploy record wrangler writes to WRANGLER_OUTPUT_FILE_PATH.
 */
async function deployWorker(run, env, secrets, deployArgs) {
  const dir = mkdtempSync(join(tmpdir(), 'ledge-deploy-'));
  try {
    const outputFile = join(dir, 'wrangler-output.ndjson');
    const args = ['deploy', ...deployArgs];
    if (Object.keys(secrets).length) {
      const secretsFile = join(dir, 'secrets.json');
      writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
      args.push('--secrets-file', secretsFile);
    }
    await must(run, args, { ...env, WRANGLER_OUTPUT_FILE_PATH: outputFile }, true);
    return endpointFromOutput(readFileSync(outputFile, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Worker's URL from wrangler's output file (ND-JSON; the `deploy` record lists its targets). */
export function endpointFromOutput(ndjson) {
  const records = ndjson.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const targets = records.filter((r) => r.type === 'deploy').flatMap((r) => r.targets ?? []);
  const url = targets.find((t) => /^https:\/\//.test(t));
  return url ? `${url.replace(/\/+$/, '')}/v1` : undefined;
}

async function json(run, args, env) {
  return parseJson((await must(run, args, env)).stdout, `wrangler ${args.join(' ')}`);
}

async function must(run, args, env, show = false) {
  const result = await run(args, { env, show });
  if (result.code !== 0) throw failure(args, result);
  return result;
}

function failure(args, result) {
  return new DeployError(`wrangler ${args.join(' ')} failed (exit ${result.code}):\n${(result.stdout + result.stderr).trim()}`);
}

function parseJson(text, what) {
  const start = text.search(/^[[{]/m);
  try {
    return JSON.parse(text.slice(Math.max(start, 0)));
  } catch {
    throw new DeployError(`${what} did not print JSON:\n${text}`);
  }
}

function lines(text) {
  return stripVTControlCharacters(text).split('\n').map((l) => l.trim());
}
