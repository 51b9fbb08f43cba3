import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asRoot, call, createUserByKey, errorOf, keyWith, okJson, rootKey } from '../../test/helpers';
import { freshIp } from '../../test/browser';
import { KEY_SCOPES } from '../lib/scopes';

/** The admin realm: admins apart from users, console sign-in and sessions, admin mode on the project. */
const PASSWORD = 'admin-password-123';
let n = 0;

async function newAdmin() {
  const email = `admin${Date.now()}${n++}@example.com`;
  const admin = await okJson<{ $id: string; email: string }>(await asRoot('/v1/console/admins', { method: 'POST', json: { email, password: PASSWORD, name: 'Ada' } }), 201);
  return { ...admin, email };
}

/** Signs an admin in through project `console`; returns the cookie the CLI would send back. */
async function consoleSignIn(email: string, password = PASSWORD, ip = freshIp()) {
  const res = await call('/v1/account/sessions/email', { method: 'POST', project: 'console', json: { email, password }, headers: { 'CF-Connecting-IP': ip } });
  return { res, cookie: res.headers.getSetCookie().find((c) => c.startsWith('a_session_console='))?.split(';')[0] ?? '' };
}

const asConsole = (path: string, cookie: string, init: Parameters<typeof call>[1] = {}) =>
  call(path, { ...init, project: 'console', headers: { Cookie: cookie, ...(init.headers as Record<string, string>) } });

describe('admins', () => {
  it('the root key creates admins; scoped keys cannot, whatever they hold', async () => {
    await newAdmin();
    const strong = await keyWith([...KEY_SCOPES]);
    const res = await call('/v1/console/admins', { method: 'POST', key: strong, json: { email: 'x@example.com', password: PASSWORD } });
    expect((await errorOf(res)).type).toBe('general_unauthorized_scope');
  });

  it('an email is one admin; passwords meet the users rules', async () => {
    const a = await newAdmin();
    expect((await asRoot('/v1/console/admins', { method: 'POST', json: { email: a.email, password: PASSWORD } })).status).toBe(409);
    expect((await errorOf(await asRoot('/v1/console/admins', { method: 'POST', json: { email: 'short@example.com', password: 'short' } }))).type).toBe('general_argument_invalid');
  });
});

describe('console sign-in', () => {
  it('signs an admin in with the console cookie; the account is the admin', async () => {
    const a = await newAdmin();
    const { res, cookie } = await consoleSignIn(a.email);
    const session = await okJson<{ userId: string; current: boolean }>(res, 201);
    expect(session).toMatchObject({ userId: a.$id, current: true });
    expect(cookie).toMatch(/^a_session_console=/);
    expect(await okJson(await asConsole('/v1/account', cookie))).toMatchObject({ $id: a.$id, email: a.email });
    // The CLI sends the whole Set-Cookie line back as its Cookie header.
    const line = res.headers.getSetCookie().find((c) => c.startsWith('a_session_console='))!;
    expect((await asConsole('/v1/account', line)).status).toBe(200);
  });

  it('realms are apart: a project user cannot sign in to the console, nor its session reach it', async () => {
    const user = await createUserByKey({ password: PASSWORD });
    expect((await errorOf((await consoleSignIn(user.email)).res)).type).toBe('user_invalid_credentials');
    const a = await newAdmin();
    expect((await errorOf((await consoleSignIn(a.email, 'wrong-password-1')).res)).type).toBe('user_invalid_credentials');
    // An admin cannot sign in to the project as a user either.
    const res = await call('/v1/account/sessions/email', { method: 'POST', json: { email: a.email, password: PASSWORD }, headers: { 'CF-Connecting-IP': freshIp() } });
    expect((await errorOf(res)).type).toBe('user_invalid_credentials');
    expect((await errorOf(await call('/v1/account', { project: 'console' }))).type).toBe('user_unauthorized');
    expect((await errorOf(await call('/v1/account', { project: 'console', key: rootKey() }))).type).toBe('user_unauthorized');
  });

  it('failed sign-ins are rate limited as users are (10 an hour per email)', async () => {
    const a = await newAdmin();
    for (let i = 0; i < 10; i++) expect((await consoleSignIn(a.email, 'wrong-password-1')).res.status).toBe(401);
    expect((await errorOf((await consoleSignIn(a.email)).res)).type).toBe('general_rate_limit_exceeded');
  });

  it('sessions: listed, one admin never sees another, sign-out ends the session', async () => {
    const a = await newAdmin();
    const b = await newAdmin();
    const { cookie } = await consoleSignIn(a.email);
    const { res: bRes } = await consoleSignIn(b.email);
    const bSession = await okJson<{ $id: string }>(bRes, 201);
    const list = await okJson<{ total: number; sessions: { userId: string }[] }>(await asConsole('/v1/account/sessions', cookie));
    expect(list.total).toBe(1);
    expect(list.sessions[0].userId).toBe(a.$id);
    expect((await errorOf(await asConsole(`/v1/account/sessions/${bSession.$id}`, cookie))).type).toBe('user_session_not_found');
    expect((await asConsole('/v1/account/sessions/current', cookie, { method: 'DELETE' })).status).toBe(204);
    expect((await asConsole('/v1/account', cookie)).status).toBe(401);
  });

  it('projects and the organization: the one project, filtered as the CLI asks', async () => {
    const a = await newAdmin();
    const { cookie } = await consoleSignIn(a.email);
    const teams = await okJson<{ teams: { $id: string }[] }>(await asConsole('/v1/teams', cookie));
    const org = teams.teams[0].$id;
    const q = (teamId: string) => `/v1/projects?queries[]=${encodeURIComponent(JSON.stringify({ method: 'equal', attribute: 'teamId', values: [teamId] }))}`;
    expect((await okJson<{ projects: { $id: string }[] }>(await asConsole(q(org), cookie))).projects.map((p) => p.$id)).toEqual([env.PROJECT_ID]);
    expect((await okJson<{ total: number }>(await asConsole(q('other'), cookie))).total).toBe(0);
    expect((await asConsole(`/v1/projects/${env.PROJECT_ID}`, cookie)).status).toBe(200);
    expect((await errorOf(await asConsole('/v1/projects/other', cookie))).type).toBe('project_not_found');
    expect((await asConsole('/v1/projects', '')).status).toBe(401);
  });
});

describe('admin mode on the project', () => {
  it('a signed-in admin acts on the project with every scope, only in admin mode', async () => {
    const a = await newAdmin();
    const { cookie } = await consoleSignIn(a.email);
    const admin = { Cookie: cookie, 'X-Appwrite-Mode': 'admin' };
    expect((await call('/v1/users', { headers: admin })).status).toBe(200);
    expect((await call('/v1/tablesdb', { method: 'POST', headers: admin, json: { databaseId: `adm${n++}`, name: 'By admin' } })).status).toBe(201);
    // Without admin mode the console cookie is no project credential.
    expect((await errorOf(await call('/v1/users', { headers: { Cookie: cookie } }))).type).toBe('general_unauthorized_scope');
    // Nor does the console session pass as the project's own cookie.
    const value = cookie.split('=').slice(1).join('=');
    expect((await call('/v1/account', { headers: { Cookie: `a_session_${env.PROJECT_ID}=${value}` } })).status).toBe(401);
    // A browser on an unknown origin gets nothing with it.
    expect((await errorOf(await call('/v1/users', { headers: { ...admin, Origin: 'https://evil.example' } }))).type).toBe('general_unknown_origin');
    // An ended session ends admin mode too.
    await asConsole('/v1/account/sessions', cookie, { method: 'DELETE' });
    expect((await call('/v1/users', { headers: admin })).status).toBe(401);
  });

  it('an admin manages admins; deleting one ends its sessions', async () => {
    const a = await newAdmin();
    const b = await newAdmin();
    const { cookie } = await consoleSignIn(a.email);
    const { cookie: bCookie } = await consoleSignIn(b.email);
    const admin = { Cookie: cookie, 'X-Appwrite-Mode': 'admin' };
    const list = await okJson<{ admins: { email: string }[] }>(await call('/v1/console/admins', { headers: admin }));
    expect(list.admins.map((x) => x.email)).toEqual(expect.arrayContaining([a.email, b.email]));
    expect((await call(`/v1/console/admins/${b.$id}`, { method: 'DELETE', headers: admin })).status).toBe(204);
    expect((await asConsole('/v1/account', bCookie)).status).toBe(401);
  });
});
