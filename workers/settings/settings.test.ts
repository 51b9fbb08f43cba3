import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { asRoot, call, errorOf, okJson, signedInUser, signIn, signUp } from '../../test/helpers';
import { browser } from '../../test/browser';
import { uniqueId } from '../lib/ids';
import { forget, MAX_AGE_MS } from './cache';

/**
 * Live project settings: platforms (CORS and native origins), policies and auth methods through
 * `/v1/project`, taking effect without a redeploy: at once in the isolate that made the change, in
 * the next credential batch elsewhere, and within 5 s for requests that carry no credential.
 */
afterEach(async () => {
  // Settings are project-wide: put them back for every other test.
  await env.DB.batch([
    env.DB.prepare("UPDATE project_settings SET auth = '{}', version = lower(hex(randomblob(8))) WHERE id = 1"),
    env.DB.prepare('DELETE FROM platforms'),
  ]);
  forget();
});

const preflight = (origin: string) =>
  call('/v1/account', { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } }).then((r) => r.headers.get('Access-Control-Allow-Origin'));

describe('platforms', () => {
  it('a web platform opens its origin to CORS and the API; deleting it closes it', async () => {
    const origin = `https://${uniqueId()}.example.org`;
    expect(await preflight(origin)).toBeNull();
    const platform = await okJson<{ $id: string; hostname: string; type: string }>(
      await asRoot('/v1/project/platforms/web', { method: 'POST', json: { platformId: 'unique()', name: 'Site', hostname: new URL(origin).hostname } }),
      201,
    );
    expect(platform.type).toBe('web');
    expect(await preflight(origin)).toBe(origin);
    expect((await call('/v1/locale/codes', { headers: { Origin: origin } })).status).toBe(200);
    expect((await asRoot(`/v1/project/platforms/${platform.$id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await preflight(origin)).toBeNull();
    expect((await errorOf(await call('/v1/locale/codes', { headers: { Origin: origin } }))).type).toBe('general_unknown_origin');
  });

  /** What another isolate's change looks like from here: rows and a new version, no `forget()`. */
  async function platformFromElsewhere(host: string) {
    await env.DB.batch([
      env.DB.prepare("INSERT INTO platforms (id, type, name, identifier, created_at, updated_at) VALUES (?, 'web', 'Elsewhere', ?, '', '')").bind(uniqueId(), host),
      env.DB.prepare('UPDATE project_settings SET version = lower(hex(randomblob(8))) WHERE id = 1'),
    ]);
  }

  it('a change made elsewhere (another isolate) is seen by the next credential batch at once', async () => {
    const host = `${uniqueId()}.example.org`;
    expect(await preflight(`https://${host}`)).toBeNull(); // this isolate caches the settings without it
    await platformFromElsewhere(host);
    const user = await signedInUser();
    expect((await user.req('/v1/account', { headers: { Origin: `https://${host}` } })).status).toBe(200);
  });

  it('a change made elsewhere reaches credential-less preflights within 5 s', async () => {
    const host = `${uniqueId()}.example.org`;
    const origin = `https://${host}`;
    expect(await preflight(origin)).toBeNull();
    await platformFromElsewhere(host);
    await expect.poll(() => preflight(origin), { timeout: MAX_AGE_MS + 500, interval: 200 }).toBe(origin);
  });

  it('every platform change replaces the version token; a refused one does not', async () => {
    const version = async () => (await env.DB.prepare('SELECT version FROM project_settings WHERE id = 1').first<{ version: string }>())!.version;
    const v0 = await version();
    await okJson(await asRoot('/v1/project/platforms/android', { method: 'POST', json: { platformId: 'droid', name: 'Android', applicationId: 'com.example.droid' } }), 201);
    const v1 = await version();
    expect(v1).not.toBe(v0);
    expect((await asRoot('/v1/project/platforms/no-such', { method: 'DELETE' })).status).toBe(404);
    expect((await asRoot('/v1/project/platforms/android/no-such', { method: 'PUT', json: { name: 'x', applicationId: 'x' } })).status).toBe(404);
    expect(await version()).toBe(v1);
    expect((await asRoot('/v1/project/platforms/android/droid', { method: 'PUT', json: { name: 'Droid', applicationId: 'com.example.droid2' } })).status).toBe(200);
    expect(await version()).not.toBe(v1);
  });

  it('native apps: a registered bundle id passes, any other is an unknown origin', async () => {
    await okJson(await asRoot('/v1/project/platforms/apple', { method: 'POST', json: { platformId: 'ios', name: 'iOS', bundleIdentifier: 'com.example.app' } }), 201);
    expect((await call('/v1/locale/codes', { headers: { Origin: 'appwrite-ios://com.example.app' } })).status).toBe(200);
    expect((await errorOf(await call('/v1/locale/codes', { headers: { Origin: 'appwrite-ios://com.evil.app' } }))).type).toBe('general_unknown_origin');
    // A platform of another type is updated through its own route only.
    expect((await errorOf(await asRoot('/v1/project/platforms/web/ios', { method: 'PUT', json: { name: 'x', hostname: 'x.test' } }))).type).toBe('platform_method_unsupported');
    expect((await asRoot('/v1/project/platforms/apple', { method: 'POST', json: { platformId: 'ios', name: 'iOS', bundleIdentifier: 'x' } })).status).toBe(409);
  });
});

describe('auth policies and methods', () => {
  it('defaults read back from [vars]', async () => {
    const project = await okJson<{ authDuration: number; authSessionsLimit: number; authMethods: { $id: string; enabled: boolean }[] }>(await asRoot('/v1/project'));
    expect(project.authDuration).toBe(Number(env.SESSION_DURATION || 31_536_000));
    expect(project.authSessionsLimit).toBe(Number(env.SESSION_LIMIT || 10));
    expect(project.authMethods.every((m) => m.enabled)).toBe(true);
  });

  it('session duration and limit apply to the next sign-in', async () => {
    await okJson(await asRoot('/v1/project/policies/session-duration', { method: 'PATCH', json: { duration: 600 } }));
    await okJson(await asRoot('/v1/project/policies/session-limit', { method: 'PATCH', json: { total: 1 } }));
    expect(await okJson(await asRoot('/v1/project/policies/session-limit'))).toEqual({ $id: 'session-limit', total: 1 });
    const { email, password, userId } = await signUp();
    const { session } = await signIn(email, password);
    const expire = Date.parse(String(session.expire));
    expect(Math.abs(expire - (Date.now() + 600_000))).toBeLessThan(60_000);
    const sessions = await okJson<{ total: number }>(await asRoot(`/v1/users/${userId}/sessions`));
    expect(sessions.total).toBe(1);
  });

  it('the password dictionary and personal-data policies apply to new passwords', async () => {
    await okJson(await asRoot('/v1/project/policies/password-dictionary', { method: 'PATCH', json: { enabled: true } }));
    const b = browser();
    const res = await b.req('/v1/account', { method: 'POST', json: { userId: 'unique()', email: `${uniqueId()}@example.com`, password: 'password' } });
    expect((await errorOf(res)).type).toBe('general_argument_invalid');
    await okJson(await asRoot('/v1/project/policies/password-personal-data', { method: 'PATCH', json: { enabled: true } }));
    const res2 = await browser().req('/v1/account', { method: 'POST', json: { userId: 'unique()', email: 'mallory123@example.com', name: 'mallory', password: 'mallory12345' } });
    expect((await errorOf(res2)).type).toBe('user_password_personal_data');
  });

  it('a disabled auth method closes its routes to clients (501), not to keys', async () => {
    const project = await okJson<{ authMethods: { $id: string; enabled: boolean }[] }>(await asRoot('/v1/project/auth-methods/anonymous', { method: 'PATCH', json: { enabled: false } }));
    expect(project.authMethods.find((m) => m.$id === 'anonymous')?.enabled).toBe(false);
    expect((await errorOf(await browser().req('/v1/account/sessions/anonymous', { method: 'POST' }))).type).toBe('user_auth_method_unsupported');
    await okJson(await asRoot('/v1/project/auth-methods/email-password', { method: 'PATCH', json: { enabled: false } }));
    expect((await errorOf(await browser().req('/v1/account/sessions/email', { method: 'POST', json: { email: 'a@example.com', password: 'password-1234' } }))).type).toBe('user_auth_method_unsupported');
    expect((await asRoot('/v1/users', { method: 'POST', json: { userId: 'unique()', email: `${uniqueId()}@example.com`, password: 'password-1234' } })).status).toBe(201);
    await okJson(await asRoot('/v1/project/auth-methods/anonymous', { method: 'PATCH', json: { enabled: true } }));
    expect((await browser().req('/v1/account/sessions/anonymous', { method: 'POST' })).status).toBe(201);
    expect((await errorOf(await asRoot('/v1/project/auth-methods/carrier-pigeon', { method: 'PATCH', json: { enabled: true } }))).type).toBe('general_argument_invalid');
  });
});
