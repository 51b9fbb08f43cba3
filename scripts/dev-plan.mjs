// The decisions behind `npm run dev`, kept apart from the process handling so they read (and test)
// as plain functions: which flags wrangler dev gets, which .dev.vars secrets must be passed by hand,
// and what address to print once wrangler says where it listens.
import { parseArgs, parseEnv } from 'node:util';

export const DEFAULT_IP = '127.0.0.1';
/** Ledge and its assets Worker (wrangler.assets.toml, bound as ASSETS), run together by wrangler dev. */
export const DEV_CONFIGS = ['-c', 'wrangler.toml', '-c', 'wrangler.assets.toml'];

// wrangler dev's own flags that the script has to know about; every other flag passes through as given.
const KNOWN_FLAGS = {
  port: { type: 'string' },
  ip: { type: 'string' },
  'persist-to': { type: 'string' },
  env: { type: 'string', short: 'e' },
  config: { type: 'string', short: 'c' },
};

/**
 * @param {string[]} argv what followed `npm run dev --`
 * @param {Record<string, string | undefined>} env the script's environment (PORT)
 * @returns {{ devArgs: string[], migrateArgs: string[] }} flags for `wrangler dev` (the user's own
 *   last, so they win) and for `wrangler d1 migrations apply --local`, which must reach the same
 *   local database: the same state directory, environment and config.
 */
export function planDev(argv, env) {
  const { values } = parseArgs({ args: argv, options: KNOWN_FLAGS, strict: false, allowPositionals: true });
  // A caller who names a config runs what it names (and the assets Worker with it, if they want it).
  const defaults = values.config === undefined ? [...DEV_CONFIGS] : [];
  if (values.ip === undefined) defaults.push('--ip', DEFAULT_IP);
  // wrangler dev refuses a flag given twice, so PORT applies only without --port. With neither,
  // wrangler takes 8787, or the next free port after it.
  if (values.port === undefined && env.PORT) defaults.push('--port', String(portFromEnv(env.PORT)));
  const migrateArgs = [];
  for (const name of ['persist-to', 'env', 'config']) {
    if (typeof values[name] === 'string') migrateArgs.push(`--${name}`, values[name]);
  }
  return { devArgs: [...defaults, ...argv], migrateArgs };
}

function portFromEnv(value) {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${value}"`);
  return port;
}

/** .dev.vars in dotenv syntax (quotes, multi-line values), as wrangler reads it. */
export function readDevVars(text) {
  return parseEnv(text);
}

/**
 * `--var NAME:VALUE` flags for the secrets in .dev.vars that wrangler dev would drop. Once
 * wrangler.toml declares `[secrets] required`, wrangler dev binds only those names (and names that
 * override a `[vars]` entry) from .dev.vars, so an optional secret such as
 * OAUTH2_GITHUB_CLIENT_SECRET would never reach the Worker. Listing it under `required` instead would
 * make `wrangler deploy` fail while it is unset. `--var` values are hidden in wrangler's binding table;
 * they do show in the local process list, as .dev.vars values do in workerd's environment anyway.
 * Empty values stay unbound, as an unset secret would be.
 */
export function devSecretFlags(devVars, config) {
  const bound = new Set([...Object.keys(config.vars ?? {}), ...(config.secrets?.required ?? [])]);
  return Object.entries(devVars)
    .filter(([name, value]) => value !== '' && !bound.has(name))
    .flatMap(([name, value]) => ['--var', `${name}:${value}`]);
}

/** The address a client uses, from the URL wrangler reports: a wildcard listener is reached on loopback. */
export function clientOrigin(readyUrl) {
  const url = new URL(readyUrl);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return url.origin;
}

/** The URL in wrangler dev's "Ready on <url>" line, if this output line is it. */
export function readyUrl(line) {
  // eslint-disable-next-line no-control-regex
  const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
  return /\bReady on (https?:\/\/\S+)/.exec(plain)?.[1];
}
