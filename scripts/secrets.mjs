// Fresh secrets for one run: tests and local dev never share a key with anything else.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** ES256 private key as a JWK string (the JWT algorithm accounts pin). */
export function generateJwtSigningKey() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  return JSON.stringify({ ...jwk, alg: 'ES256', use: 'sig', kid: randomBytes(8).toString('hex') });
}

export function generateRootKey() {
  return `root_${randomBytes(48).toString('hex')}`;
}

/**
 * Per-run values for EVERY secret named in .dev.vars.example (empty where a run needs none). Wrangler
 * always reads .dev.vars beside wrangler.toml; these bindings override all of it, so tests and
 * benchmarks never see a developer's local secrets.
 */
export function generateSecrets() {
  const names = readFileSync(new URL('../.dev.vars.example', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => /^([A-Z0-9_]+)=/.exec(l.trim())?.[1])
    .filter(Boolean);
  const generated = { ROOT_API_KEY: generateRootKey(), JWT_SIGNING_KEY: generateJwtSigningKey() };
  return Object.fromEntries(names.map((n) => [n, generated[n] ?? '']));
}
