import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../env';
import { ApiError, errorResponse } from '../lib/errors';
import { readConfig } from '../lib/config';
import { guestPrincipal, keyPrincipal } from '../lib/principal';
import { ROOT_SCOPES } from '../lib/scopes';
import { rateLimit } from './rate-limit';

function appWith(kind: 'guest' | 'key', rateLimits = true) {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('config', { ...readConfig(c.env), rateLimits });
    c.set('principal', kind === 'key' ? keyPrincipal('root', ROOT_SCOPES) : guestPrincipal());
    return next();
  });
  app.post('/limited', rateLimit({ limit: 2, key: () => `test:${kind}:${rateLimits}:${crypto.randomUUID().slice(0, 0)}${Math.floor(Date.now() / 3600000)}` }), (c) => c.json({ ok: true }, 201));
  app.onError((err) => errorResponse(err as ApiError));
  return app;
}

const hit = (app: Hono<AppEnv>) =>
  app.request('/limited', { method: 'POST' }, env, { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext);

describe('rate limits', () => {
  it('counts per key, sends X-RateLimit-*, and refuses past the limit with 429', async () => {
    const app = appWith('guest');
    const a = await hit(app);
    const b = await hit(app);
    const c = await hit(app);
    expect([a.status, b.status, c.status]).toEqual([201, 201, 429]);
    expect(a.headers.get('X-RateLimit-Limit')).toBe('2');
    expect(a.headers.get('X-RateLimit-Remaining')).toBe('1');
    expect(Number(a.headers.get('X-RateLimit-Reset'))).toBeGreaterThan(Date.now() / 1000);
    expect(c.headers.get('X-RateLimit-Remaining')).toBe('0');
    expect(await c.json()).toMatchObject({ type: 'general_rate_limit_exceeded', code: 429 });
  });

  it('lets API keys and a deployment with limits disabled through', async () => {
    for (const app of [appWith('key'), appWith('guest', false)]) {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await hit(app)).status);
      expect(statuses).toEqual([201, 201, 201, 201]);
    }
  });
});
