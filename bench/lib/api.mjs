// A small client for setting workloads up through Ledge's real REST API (never behind its back).
import { randomBytes } from 'node:crypto';

export class SkipWorkload extends Error {}

/**
 * @param {{ origin: string, projectId: string, rootKey: string }} server
 */
export function client(server) {
  const base = `${server.origin}/v1`;
  const projectHeaders = { 'x-appwrite-project': server.projectId, 'x-appwrite-response-format': '1.9.5' };

  async function call(method, path, { key = false, cookie, body, headers = {} } = {}) {
    const init = { method, headers: { ...projectHeaders, ...headers } };
    if (key) init.headers['x-appwrite-key'] = server.rootKey;
    if (cookie) init.headers.cookie = cookie;
    if (body !== undefined) {
      if (body instanceof FormData) init.body = body;
      else {
        init.body = JSON.stringify(body);
        init.headers['content-type'] = 'application/json';
      }
    }
    const res = await fetch(base + path, init);
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    return { status: res.status, json, text, headers: res.headers };
  }

  /** Like `call`, but any status but `expect` (default: 2xx) throws with Ledge's error. */
  async function must(method, path, options = {}) {
    const res = await call(method, path, options);
    const ok = options.expect ? res.status === options.expect : res.status >= 200 && res.status < 300;
    if (!ok) throw new Error(`${method} ${path} → ${res.status} ${res.json?.type ?? ''} ${res.json?.message ?? res.text.slice(0, 200)}`);
    return res.json;
  }

  /**
   * Whether a domain has landed: a route that does not exist answers 404 general_route_not_found;
   * anything else (200, 401, 400, 404 of another type) means it is there.
   */
  async function routeExists(method, path, body) {
    const res = await call(method, path, { key: true, body });
    return !(res.status === 404 && res.json?.type === 'general_route_not_found');
  }

  async function requireRoutes(domain, routes) {
    for (const [method, path, body] of routes) {
      if (!(await routeExists(method, path, body))) throw new SkipWorkload(`${domain} not built yet (${method} /v1${path} → general_route_not_found)`);
    }
  }

  /** A user created with the root key, signed in by password; returns its cookie and session. */
  async function userWithSession(label = 'bench') {
    const email = `${label}-${randomBytes(4).toString('hex')}@bench.test`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const user = await must('POST', '/users', { key: true, body: { userId: 'unique()', email, password, name: label } });
    const signIn = await call('POST', '/account/sessions/email', { body: { email, password } });
    if (signIn.status !== 201) throw new Error(`sign-in → ${signIn.status} ${signIn.text.slice(0, 200)}`);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .filter((c) => c.startsWith(`a_session_${server.projectId}=`))
      .join('; ');
    if (!cookie) throw new Error('sign-in set no a_session cookie');
    return { user, email, password, cookie, session: signIn.json };
  }

  return { base, projectHeaders, call, must, routeExists, requireRoutes, userWithSession };
}
