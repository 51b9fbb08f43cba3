// Fresh secrets for one run: tests and local dev never share a key with anything else.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

/** ES256 private key as a JWK string (the JWT algorithm accounts pin). */
export function generateJwtSigningKey() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  return JSON.stringify({ ...jwk, alg: 'ES256', use: 'sig', kid: randomBytes(8).toString('hex') });
}

export function generateRootKey() {
  return `root_${randomBytes(48).toString('hex')}`;
}

export function generateSecrets() {
  return { ROOT_API_KEY: generateRootKey(), JWT_SIGNING_KEY: generateJwtSigningKey() };
}
