/**
 * Rate limits under load: the exact RateLimiter Durable Object counts on the sign-in route hold
 * under concurrency and across eviction, a successful sign-in resets the email's counter (Appwrite's
 * abuse-reset), and the coarse per-IP ceiling (IP_RATE_LIMITER, 1000/min in vitest.config.ts) stops
 * a flood from one address without touching other addresses or API keys.
 */
import { env } from 'cloudflare:workers';
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { freshIp } from '../browser';
import { call, errorOf, rootKey } from '../helpers';

const PASSWORD = 'a-good-password';

async function user(): Promise<string> {
  const email = `${crypto.randomUUID().slice(0, 12)}@example.com`;
  const res = await call('/v1/users', { method: 'POST', key: rootKey(), json: { userId: 'unique()', email, password: PASSWORD } });
  expect(res.status).toBe(201);
  return email;
}

const signIn = (email: string, password: string) =>
  call('/v1/account/sessions/email', { method: 'POST', json: { email, password }, headers: { 'CF-Connecting-IP': freshIp() } });

const limiterFor = (email: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`url:/account/sessions/email,email:${email}`));

describe('sign-in abuse limit (10 per email per hour)', () => {
  it('50 concurrent wrong passwords: exactly 10 × 401 and 40 × 429, with consistent X-RateLimit-* headers', async () => {
    const email = await user();
    const responses = await Promise.all(Array.from({ length: 50 }, () => signIn(email, 'wrong-password')));
    const byStatus = (s: number) => responses.filter((r) => r.status === s);
    expect(byStatus(401)).toHaveLength(10);
    expect(byStatus(429)).toHaveLength(40);
    for (const r of byStatus(429)) expect((await errorOf(r)).type).toBe('general_rate_limit_exceeded');
    for (const r of responses) expect(r.headers.get('X-RateLimit-Limit')).toBe('10');
    // Each allowed attempt saw a different remaining count, 9 down to 0; every refusal sees 0.
    const remaining = byStatus(401).map((r) => Number(r.headers.get('X-RateLimit-Remaining'))).sort((a, b) => a - b);
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const r of byStatus(429)) expect(r.headers.get('X-RateLimit-Remaining')).toBe('0');
    const resets = new Set(responses.map((r) => r.headers.get('X-RateLimit-Reset')));
    expect(resets.size).toBe(1);
    const reset = Number([...resets][0]);
    const now = Date.now() / 1000;
    expect(reset).toBeGreaterThan(now);
    expect(reset).toBeLessThanOrEqual(now + 3600);
    // Even the right password is refused until the window ends.
    expect((await signIn(email, PASSWORD)).status).toBe(429);
  });

  it('keeps the count across a Durable Object eviction', async () => {
    const email = await user();
    for (let i = 0; i < 10; i++) expect((await signIn(email, 'wrong-password')).status).toBe(401);
    const stub = limiterFor(email);
    await runInDurableObject(stub, (instance: object) => {
      (instance as { marker?: number }).marker = 1;
    });
    await evictDurableObject(stub);
    // A new instance (the in-memory marker is gone), the same stored count.
    expect(await runInDurableObject(stub, (instance: object) => (instance as { marker?: number }).marker)).toBeUndefined();
    const after = await signIn(email, PASSWORD);
    expect(after.status).toBe(429);
    expect(after.headers.get('X-RateLimit-Remaining')).toBe('0');
  });

  it('a successful sign-in resets the email\'s counter, as Appwrite\'s abuse-reset does', async () => {
    const email = await user();
    for (let i = 0; i < 9; i++) expect((await signIn(email, 'wrong-password')).status).toBe(401);
    expect((await signIn(email, PASSWORD)).status).toBe(201);
    // Ten more failures fit again, the eleventh does not.
    for (let i = 0; i < 10; i++) {
      const res = await signIn(email, 'wrong-password');
      expect(res.status, `attempt ${i}`).toBe(401);
      expect(res.headers.get('X-RateLimit-Remaining')).toBe(String(9 - i));
    }
    expect((await signIn(email, 'wrong-password')).status).toBe(429);
  });
});

describe('per-IP ceiling (IP_RATE_LIMITER)', () => {
  it('refuses one address past its limit with 429, not other addresses, and never API keys', async () => {
    // The binding counts in wall-clock minutes: start early in one, so the whole run fits in it.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50));
    const ip = freshIp();
    const ping = (headers: Record<string, string>) => call('/v1/ping', { project: null, headers: { 'CF-Connecting-IP': ip, ...headers } });
    const statuses: number[] = [];
    for (let i = 0; i < 1000; i += 50) statuses.push(...(await Promise.all(Array.from({ length: 50 }, () => ping({})))).map((r) => r.status));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const refused = await ping({});
    expect(await errorOf(refused)).toMatchObject({ status: 429, type: 'general_rate_limit_exceeded' });
    // Another address still gets through, and so does an API key from the flooding one.
    expect((await call('/v1/ping', { project: null, headers: { 'CF-Connecting-IP': freshIp() } })).status).toBe(200);
    expect((await call('/v1/health/time', { key: rootKey(), headers: { 'CF-Connecting-IP': ip } })).status).toBe(200);
  }, 120_000);
});
