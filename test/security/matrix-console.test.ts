/**
 * The route × principal matrix of the admin realm (project `console`, workers/console/app.ts),
 * generated from that app's own route table: a console route without an entry fails here.
 * Principals: a guest, a project user (its project session sent to the console), the root key,
 * and admins A and B (console sessions). Only admins reach anything; no admin reaches another's
 * session.
 */
import { describe, expect, it } from 'vitest';
import { consoleApp } from '../../workers/console/app';
import { asRoot, call, rootKey } from '../helpers';
import { freshIp } from '../browser';
import { principals, type Principal } from '../scenario';

const NAMES = ['guest', 'projectUser', 'rootKey', 'adminA'] as const;
type Name = (typeof NAMES)[number];
type Outcome = number | [number, string];

interface Fixtures {
  p: Record<Name, Principal>;
  bSession: string;
  bEmail: string;
}

const UNAUTH: Outcome = [401, 'user_unauthorized'];
const none = 'no-such-id';

async function admin(label: string) {
  const email = `${label.replace(/\W/g, '')}${crypto.randomUUID().slice(0, 8)}@example.com`;
  await asRoot('/v1/console/admins', { method: 'POST', json: { email, password: 'admin-password-123' } });
  const res = await call('/v1/account/sessions/email', { method: 'POST', project: 'console', json: { email, password: 'admin-password-123' }, headers: { 'CF-Connecting-IP': freshIp() } });
  const session = (await res.json()) as { $id: string };
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('a_session_console='))!.split(';')[0];
  return { principal: { label, headers: { Cookie: cookie } } as Principal, sessionId: session.$id, email };
}

async function fixtures(): Promise<Fixtures> {
  const p = await principals();
  const a = await admin('admin A');
  const b = await admin('admin B');
  return { p: { guest: p.guest, projectUser: p.userA, rootKey: p.rootKey, adminA: a.principal }, bSession: b.sessionId, bEmail: b.email };
}

interface Entry {
  path: (x: Fixtures) => string;
  outcomes: Record<Name, Outcome>;
  json?: unknown;
  fresh?: boolean;
}

const adminsOnly = (ok: Outcome): Record<Name, Outcome> => ({ guest: UNAUTH, projectUser: UNAUTH, rootKey: UNAUTH, adminA: ok });

const MATRIX: Record<string, Entry> = {
  // A signed-in admin is refused a second sign-in; the others sign in as nobody (wrong password).
  'POST /v1/account/sessions/email': {
    path: () => '/v1/account/sessions/email',
    json: { email: 'nobody@example.com', password: 'wrong-password-1' },
    outcomes: { guest: [401, 'user_invalid_credentials'], projectUser: [401, 'user_invalid_credentials'], rootKey: [401, 'user_invalid_credentials'], adminA: [401, 'user_session_already_exists'] },
  },
  'GET /v1/account': { path: () => '/v1/account', outcomes: adminsOnly(200) },
  'GET /v1/account/sessions': { path: () => '/v1/account/sessions', outcomes: adminsOnly(200) },
  'DELETE /v1/account/sessions': { path: () => '/v1/account/sessions', outcomes: adminsOnly(204), fresh: true },
  'GET /v1/account/sessions/:sessionId': { path: (x) => `/v1/account/sessions/${x.bSession}`, outcomes: adminsOnly([404, 'user_session_not_found']) },
  'PATCH /v1/account/sessions/:sessionId': { path: (x) => `/v1/account/sessions/${x.bSession}`, outcomes: adminsOnly([404, 'user_session_not_found']) },
  'DELETE /v1/account/sessions/:sessionId': { path: (x) => `/v1/account/sessions/${x.bSession}`, outcomes: adminsOnly([404, 'user_session_not_found']) },
  'GET /v1/projects': { path: () => '/v1/projects', outcomes: adminsOnly(200) },
  'GET /v1/projects/:projectId': { path: () => `/v1/projects/${none}`, outcomes: adminsOnly([404, 'project_not_found']) },
  'GET /v1/teams': { path: () => '/v1/teams', outcomes: adminsOnly(200) },
  'GET /v1/console/variables': { path: () => '/v1/console/variables', outcomes: adminsOnly(200) },
};

describe('admin realm route × principal matrix', () => {
  it('names every route the console app serves, and only those', () => {
    const served = [...new Set(consoleApp.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))].sort();
    expect(served).toEqual(Object.keys(MATRIX).sort());
  });

  let shared: Promise<Fixtures> | undefined;
  for (const [route, entry] of Object.entries(MATRIX)) {
    it(route, async () => {
      const x = await (entry.fresh ? fixtures() : (shared ??= fixtures()));
      const method = route.split(' ')[0];
      for (const name of NAMES) {
        const [status, type] = Array.isArray(entry.outcomes[name]) ? (entry.outcomes[name] as [number, string]) : [entry.outcomes[name] as number, undefined];
        const res = await call(entry.path(x), { method, project: 'console', headers: x.p[name].headers, json: entry.json ?? (method === 'GET' || method === 'DELETE' ? undefined : {}) });
        const text = await res.text();
        const where = `${route} as ${name}: ${text.slice(0, 200)}`;
        expect(res.status, where).toBe(status);
        if (type) expect((JSON.parse(text) as { type: string }).type, where).toBe(type);
        // Nothing of admin B, the root key or anyone's session secret shows.
        for (const secret of [rootKey(), x.bEmail, x.p.projectUser.headers['X-Appwrite-Session'] ?? '\u0000']) expect(text, where).not.toContain(secret);
      }
    });
  }
});
