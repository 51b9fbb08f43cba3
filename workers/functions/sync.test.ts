import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { verifyEphemeralKey } from '../identity/ephemeral-keys';
import { asRoot, call, okJson } from '../../test/helpers';
import { loadRunTarget } from './execute';
import { REUSE_MS, executionCredentials } from './run-credentials';
import { runFunction, SYNC_TIMEOUT_SECONDS } from './run';
import { deployedFunction } from './testing/deploy';

type Execution = { $id: string; status: string; logs: string; errors: string; responseBody: string };

const CODE = `export default async ({ req, res }) => {
  if (req.path === '/sleep') await new Promise((r) => setTimeout(r, 60_000));
  if (req.path === '/log') { console.log('plain', 'words'); console.log('%s=%d', 'n', 7); console.log({ deep: [1, 2] }); }
  return res.text('done');
};`;

describe('synchronous executions', () => {
  it("stop at the synchronous ceiling below the function's timeout, as a failed execution saying why", async () => {
    expect(SYNC_TIMEOUT_SECONDS).toBe(30);
    const { functionId } = await deployedFunction({ 'index.js': CODE }, { timeout: 120 });
    const { fn, deployment } = await loadRunTarget(env.DB, functionId);
    const started = Date.now();
    const result = await runFunction(env, {
      fn: fn!, deployment: deployment!, executionId: 'ceiling', trigger: 'http', method: 'GET', path: '/sleep', headers: {}, body: '', user: null, limitSeconds: 1,
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toMatchObject({ status: 'failed', statusCode: 500 });
    expect(result.errors).toContain('Execution timed out.');
    expect(result.errors).toContain("Synchronous executions are limited to 1 s (this function's timeout is 120 s): execute it asynchronously (async: true) to run longer.");
    // Under the ceiling the function's own timeout is the limit, and the message is the plain one.
    const own = await runFunction(env, { fn: { ...fn!, timeout: 1 }, deployment: deployment!, executionId: 'own', trigger: 'http', method: 'GET', path: '/sleep', headers: {}, body: '', user: null, limitSeconds: 30 });
    expect(own.errors).toBe('Execution timed out.');
  });

  it('are recorded once, complete, and read back as answered; console lines are formatted as Node does', async () => {
    const { functionId } = await deployedFunction({ 'index.js': CODE });
    const run = await okJson<Execution>(await call(`/v1/functions/${functionId}/executions`, { method: 'POST', key: env.ROOT_API_KEY, json: { path: '/log' } }), 201);
    expect(run).toMatchObject({ status: 'completed', responseBody: 'done', logs: 'plain words\nn=7\n{ deep: [ 1, 2 ] }' });
    const stored = await okJson<Execution>(await asRoot(`/v1/functions/${functionId}/executions/${run.$id}`));
    expect(stored).toMatchObject({ status: 'completed', logs: run.logs, responseBody: '' });
    const { results } = await env.DB.prepare('SELECT status FROM executions WHERE function_id = ?').bind(functionId).all();
    expect(results).toEqual([{ status: 'completed' }]);
  });
});

describe('execution credentials', () => {
  const fn = { id: 'creds', scopes: ['users.read'], timeout: 15 };
  const user = { userId: 'u1', sessionId: 's1' };

  it('are reused only for the same function scopes, user and session, within the reuse window', async () => {
    const [jwt1, key1] = await executionCredentials(env, { projectId: 'local', fn, user });
    const [jwt2, key2] = await executionCredentials(env, { projectId: 'local', fn, user });
    expect([jwt2, key2]).toEqual([jwt1, key1]);
    const [, wider] = await executionCredentials(env, { projectId: 'local', fn: { ...fn, scopes: ['users.read', 'users.write'] }, user });
    expect(wider).not.toBe(key1);
    expect([...(await verifyEphemeralKey(env, wider, 'local')).scopes].sort()).toEqual(['users.read', 'users.write']);
    const [otherJwt] = await executionCredentials(env, { projectId: 'local', fn, user: { ...user, sessionId: 's2' } });
    expect(otherJwt).not.toBe(jwt1);
    const [noJwt] = await executionCredentials(env, { projectId: 'local', fn, user: null });
    expect(noJwt).toBe('');
  });

  it('still leave every run at least its timeout plus 30 s of validity', async () => {
    const [, key] = await executionCredentials(env, { projectId: 'local', fn: { ...fn, id: 'validity' }, user: null });
    const claims = JSON.parse(atob(key.slice('ephemeral_'.length).split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    expect(claims.exp - claims.iat).toBe(fn.timeout + 60);
    expect((claims.exp - claims.iat) * 1000 - REUSE_MS).toBeGreaterThanOrEqual((fn.timeout + 30) * 1000);
  });
});
