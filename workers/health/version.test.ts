import { describe, expect, it } from 'vitest';
import { call, errorOf, okJson, rootKey } from '../../test/helpers';
import { principals, runScenarios } from '../../test/scenario';

describe('GET /v1/health/version', () => {
  it('answers the Appwrite version publicly, for any project header or none', async () => {
    for (const project of [undefined, null, 'console', 'someone-else']) {
      const body = await okJson(await call('/v1/health/version', { project }));
      expect(body).toEqual({ version: '1.9.6' });
    }
  });

  it('ignores credentials it does not need, even wrong ones', async () => {
    expect(await okJson(await call('/v1/health/version', { project: 'console', key: 'standard_bogus' }))).toEqual({ version: '1.9.6' });
    expect(await okJson(await call('/v1/health/version', { key: rootKey() }))).toEqual({ version: '1.9.6' });
  });

  it('sends CORS headers to a registered origin', async () => {
    const res = await call('/v1/health/version', { headers: { Origin: 'http://localhost:5173' } });
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:5173');
  });
});

describe('unknown /v1/health paths', () => {
  it('are a 404 general_route_not_found, not a 401, for guests and keys', async () => {
    for (const key of [undefined, rootKey()]) {
      const err = await errorOf(await call('/v1/health/nope', { key }));
      expect([err.status, err.type]).toEqual([404, 'general_route_not_found']);
    }
    const nested = await errorOf(await call('/v1/health/version/extra'));
    expect([nested.status, nested.type]).toEqual([404, 'general_route_not_found']);
  });

  it('still need health.read on the real checks', async () => {
    const err = await errorOf(await call('/v1/health/db'));
    expect([err.status, err.type]).toEqual([401, 'general_unauthorized_scope']);
  });
});

// /v1/health/version in the route × principal matrix: public, answered before credentials are read,
// so even a refused credential gets the version.
runScenarios('health/version × principals', async () => {
  const p = await principals({ scopes: ['health.read'] });
  const path = '/v1/health/version';
  const version = { version: '1.9.6' };
  return [p.guest, p.userA, p.rootKey, p.scopedKey, p.unscopedKey, p.expiredJwt, p.mfaPending].map((as) => ({
    name: `${as.label} reads the version`, as, path, status: 200, contains: [version],
  }));
});
