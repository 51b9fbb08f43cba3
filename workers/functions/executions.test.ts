import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { asRoot, call, createUserByKey, errorOf, okJson, signedInUser } from '../../test/helpers';
import { deployedFunction } from './testing/deploy';

type Execution = Record<string, unknown> & { $id: string; status: string; responseBody: string; responseStatusCode: number; logs: string; errors: string; responseHeaders: { name: string; value: string }[] };

const CONTRACT = `
import { shout } from './lib/shout.js';
export default async ({ req, res, log, error }) => {
  log('path ' + req.path + ' query ' + JSON.stringify(req.query));
  console.log('console says', { n: 1 });
  error('to errors');
  if (req.path === '/throw') throw new Error('boom from the function');
  if (req.path === '/json') return res.json({ body: req.body, method: req.method, trigger: req.headers['x-appwrite-trigger'], user: req.headers['x-appwrite-user-id'], greeting: process.env.GREETING, fnId: process.env.APPWRITE_FUNCTION_ID, endpoint: process.env.APPWRITE_FUNCTION_API_ENDPOINT, custom: req.headers['x-custom'] }, 200, { 'x-out': 'yes' });
  if (req.path === '/redirect') return res.redirect('https://example.com/next', 302);
  if (req.path === '/empty') return res.empty();
  if (req.path === '/binary') return res.binary(new Uint8Array([0, 1, 2, 255]));
  if (req.path === '/sleep') { await new Promise(() => {}); }
  if (req.path === '/forbidden') { const r = await fetch('https://evil.example.com/steal'); return res.text(String(r.status)); }
  if (req.path === '/private') { const r = await fetch('http://10.0.0.1/internal'); return res.text(String(r.status)); }
  if (req.path === '/api') {
    const r = await fetch(process.env.APPWRITE_FUNCTION_API_ENDPOINT + '/users/' + req.bodyText, { headers: { 'x-appwrite-project': process.env.APPWRITE_FUNCTION_PROJECT_ID, 'x-appwrite-key': req.headers['x-appwrite-key'] } });
    return res.json({ status: r.status, user: await r.json() });
  }
  if (req.path === '/me') {
    const r = await fetch(process.env.APPWRITE_FUNCTION_API_ENDPOINT + '/account', { headers: { 'x-appwrite-project': process.env.APPWRITE_FUNCTION_PROJECT_ID, 'x-appwrite-jwt': req.headers['x-appwrite-user-jwt'] } });
    return res.json(await r.json());
  }
  return res.send(shout(req.bodyText));
};
`;
const FILES = { 'index.js': CONTRACT, 'lib/shout.js': 'export const shout = (s) => s.toUpperCase() + "!";' };

async function execute(functionId: string, json: Record<string, unknown>, init: { key?: string | null; headers?: Record<string, string> } = {}) {
  return call(`/v1/functions/${functionId}/executions`, { method: 'POST', json, key: init.key === undefined ? env.ROOT_API_KEY : init.key, headers: init.headers });
}

describe('executions', () => {
  it('runs the open-runtimes contract synchronously: req, res, log, error, variables in process.env', async () => {
    const { functionId, deploymentId } = await deployedFunction(FILES, { timeout: 2 });
    await okJson(await asRoot(`/v1/functions/${functionId}/variables`, { method: 'POST', json: { variableId: 'unique()', key: 'GREETING', value: 'hi' } }), 201);

    const plain = await okJson<Execution>(await execute(functionId, { body: 'hello', path: '/?a=1&b=two' }), 201);
    expect(plain).toMatchObject({ status: 'completed', responseStatusCode: 200, responseBody: 'HELLO!', trigger: 'http', resourceId: functionId, deploymentId, requestPath: '/?a=1&b=two' });
    expect(plain.logs).toBe('path / query {"a":"1","b":"two"}\nconsole says { n: 1 }');
    expect(plain.errors).toBe('to errors');
    expect(plain.duration).toBeGreaterThan(0);

    const json = await okJson<Execution>(await execute(functionId, { body: '{"x":1}', path: '/json', method: 'PUT', headers: { 'content-type': 'application/json', 'x-custom': 'c1', 'x-appwrite-user-id': 'spoofed' } }), 201);
    expect(JSON.parse(json.responseBody)).toEqual({
      body: { x: 1 }, method: 'PUT', trigger: 'http', user: '', greeting: 'hi', fnId: functionId, endpoint: 'https://api.ledge.internal/v1', custom: 'c1',
    });
    expect(json.responseHeaders).toEqual(expect.arrayContaining([{ name: 'x-out', value: 'yes' }, { name: 'content-type', value: 'application/json; charset=utf-8' }]));

    expect(await okJson<Execution>(await execute(functionId, { path: '/redirect' }), 201)).toMatchObject({ responseStatusCode: 302 });
    expect(await okJson<Execution>(await execute(functionId, { path: '/empty' }), 201)).toMatchObject({ responseStatusCode: 204, responseBody: '' });

    // 2.0's model (the default) names the function resourceId/resourceType; 1.9.5's functionId.
    const v1 = await okJson<Execution>(await execute(functionId, { body: 'x' }, { headers: { 'X-Appwrite-Response-Format': '1.9.5' } }), 201);
    expect(v1).toMatchObject({ functionId });
    expect(v1.resourceId).toBeUndefined();
    expect(plain).toMatchObject({ resourceType: 'functions' });

    const got = await okJson<Execution>(await asRoot(`/v1/functions/${functionId}/executions/${plain.$id}`));
    expect(got).toMatchObject({ status: 'completed', responseBody: '', logs: plain.logs });
    const list = await okJson<{ total: number; executions: Execution[] }>(
      await asRoot(`/v1/functions/${functionId}/executions?queries[0]=${encodeURIComponent(JSON.stringify({ method: 'equal', attribute: 'requestPath', values: ['/json'] }))}`),
    );
    expect(list.executions.map((e) => e.$id)).toEqual([json.$id]);
  });

  it('records failures with a reason and keeps serving: a throw, a timeout, a forbidden host', async () => {
    const { functionId } = await deployedFunction(FILES, { timeout: 1 });
    const thrown = await okJson<Execution>(await execute(functionId, { path: '/throw' }), 201);
    expect(thrown).toMatchObject({ status: 'failed', responseStatusCode: 500 });
    expect(thrown.errors).toContain('boom from the function');

    const started = Date.now();
    const slow = await okJson<Execution>(await execute(functionId, { path: '/sleep' }), 201);
    expect(slow).toMatchObject({ status: 'failed', responseStatusCode: 500 });
    expect(slow.errors).toContain('Execution timed out.');
    expect(Date.now() - started).toBeLessThan(4000);

    const forbidden = await okJson<Execution>(await execute(functionId, { path: '/forbidden' }), 201);
    expect(forbidden.status).toBe('failed');
    expect(forbidden.errors).toContain('evil.example.com');
    expect(forbidden.errors).toContain('LEDGE_ALLOWED_HOSTS');

    // A host the function allows still goes through the SSRF guard: a private address is refused.
    await okJson(await asRoot(`/v1/functions/${functionId}/variables`, { method: 'POST', json: { variableId: 'unique()', key: 'LEDGE_ALLOWED_HOSTS', value: '10.0.0.1, api.example.com' } }), 201);
    const privateTarget = await okJson<Execution>(await execute(functionId, { path: '/private' }), 201);
    expect(privateTarget.status).toBe('failed');
    expect(privateTarget.errors).toContain('is not public');

    // The Worker still serves, and the function still runs.
    expect(await okJson<Execution>(await execute(functionId, { body: 'ok' }), 201)).toMatchObject({ status: 'completed', responseBody: 'OK!' });
  });

  it('routes calls to APPWRITE_FUNCTION_API_ENDPOINT to Ledge in-process, with a key limited to the function scopes', async () => {
    const user = await createUserByKey();
    const reader = await deployedFunction(FILES, { scopes: ['users.read'] });
    const ok = await okJson<Execution>(await execute(reader.functionId, { path: '/api', body: user.$id }), 201);
    expect(JSON.parse(ok.responseBody)).toMatchObject({ status: 200, user: { $id: user.$id, email: user.email } });

    const none = await deployedFunction(FILES, { scopes: [] });
    const refused = JSON.parse((await okJson<Execution>(await execute(none.functionId, { path: '/api', body: user.$id }), 201)).responseBody);
    expect(refused).toMatchObject({ status: 401, user: { type: 'general_unauthorized_scope' } });
  });

  it('enforces execute for users (a stranger is refused) and hands the caller a JWT', async () => {
    const member = await signedInUser();
    const stranger = await signedInUser();
    const { functionId } = await deployedFunction(FILES, { execute: [`user:${member.user.id}`] });
    const res = await member.req(`/v1/functions/${functionId}/executions`, { method: 'POST', json: { path: '/me' } });
    const own = await okJson<Execution>(res, 201);
    expect(JSON.parse(own.responseBody)).toMatchObject({ $id: member.user.id });
    expect(own.logs).toBe(''); // logs and errors are for API keys
    expect(own.$permissions).toEqual([`read("user:${member.user.id}")`]);

    expect(await errorOf(await stranger.req(`/v1/functions/${functionId}/executions`, { method: 'POST', json: {} }))).toMatchObject({ status: 401, type: 'user_unauthorized' });
    expect(await errorOf(await stranger.req(`/v1/functions/${functionId}/executions/${own.$id}`))).toMatchObject({ status: 404, type: 'execution_not_found' });
    const theirs = await okJson<{ total: number }>(await stranger.req(`/v1/functions/${functionId}/executions`));
    expect(theirs.total).toBe(0);
    expect(await errorOf(await call(`/v1/functions/${functionId}/executions`, { method: 'POST', json: {} }))).toMatchObject({ status: 401, type: 'user_unauthorized' });
  });

  it('runs asynchronous executions from the queue: no responseBody, output in the logs', async () => {
    const { functionId } = await deployedFunction(FILES);
    const queued = await okJson<Execution>(await execute(functionId, { body: 'later', async: true }), 202);
    expect(queued).toMatchObject({ status: 'waiting', responseBody: '' });
    await vi.waitFor(
      async () => {
        const done = await okJson<Execution>(await asRoot(`/v1/functions/${functionId}/executions/${queued.$id}`));
        expect(done).toMatchObject({ status: 'completed', responseStatusCode: 200, responseBody: '' });
        expect(done.logs).toContain('path /');
      },
      { timeout: 15_000, interval: 100 },
    );
    const soon = new Date(Date.now() + 120_000).toISOString();
    expect(await errorOf(await execute(functionId, { scheduledAt: soon }))).toMatchObject({ status: 400, type: 'general_bad_request' });
    expect(await errorOf(await execute(functionId, { scheduledAt: new Date().toISOString(), async: true }))).toMatchObject({ status: 400, type: 'general_bad_request' });
    const scheduled = await okJson<Execution>(await execute(functionId, { scheduledAt: soon, async: true }), 202);
    expect(scheduled).toMatchObject({ status: 'scheduled', trigger: 'schedule' });
  });
});

describe("a function's public URL", () => {
  it('passes the raw body and headers through and answers with the function response', async () => {
    const echo = `export default async ({ req, res }) => res.json({ raw: req.bodyText, sig: req.headers['stripe-signature'], type: req.headers['content-type'], path: req.path, query: req.queryString, method: req.method, trigger: req.headers['x-appwrite-trigger'] }, 200, { 'x-echo': '1' });`;
    const { functionId } = await deployedFunction({ 'index.js': echo }, { execute: ['any'] });
    const raw = '{"id":"evt_1",  "type":"payment.succeeded"}\n';
    const res = await call(`/v1/functions/${functionId}/http/stripe/hook?x=1`, { method: 'POST', project: null, body: raw, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': 't=1,v1=abc' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-echo')).toBe('1');
    expect(res.headers.get('x-appwrite-execution-id')).toBeTruthy();
    expect(await res.json()).toEqual({ raw, sig: 't=1,v1=abc', type: 'application/json; charset=utf-8', path: '/stripe/hook', query: 'x=1', method: 'POST', trigger: 'http' });

    const privateFn = await deployedFunction({ 'index.js': echo }, { execute: ['users'] });
    expect(await errorOf(await call(`/v1/functions/${privateFn.functionId}/http/`, { method: 'POST', project: null, body: 'x', headers: { 'Content-Type': 'text/plain' } }))).toMatchObject({
      status: 401, type: 'function_execute_permission_missing',
    });
    expect(await errorOf(await call('/v1/functions/nope/http/', { project: null }))).toMatchObject({ status: 404, type: 'function_not_found' });
  });
});
