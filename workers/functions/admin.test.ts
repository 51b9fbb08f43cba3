import { describe, expect, it } from 'vitest';
import { asRoot, call, errorOf, keyWith, okJson, signedInUser } from '../../test/helpers';
import { uniqueId } from '../lib/ids';
import { makeFunction, type Fn } from './testing/deploy';

describe('functions admin', () => {
  it('creates, reads, lists, updates and deletes a function in Appwrite\'s model', async () => {
    const fn = await makeFunction({ execute: ['users'], events: ['users.*.create'], schedule: '*/5 * * * *', timeout: 30, scopes: ['users.read'], entrypoint: 'index.js', commands: 'npm install' });
    expect(fn).toMatchObject({
      name: 'Fn', runtime: 'node-22', execute: ['users'], events: ['users.*.create'], schedule: '*/5 * * * *', timeout: 30,
      enabled: true, logging: true, live: true, entrypoint: 'index.js', commands: 'npm install', scopes: ['users.read'],
      deploymentId: '', latestDeploymentId: '', vars: [], version: 'v5', buildSpecification: 's-1vcpu-512mb',
    });
    expect(await okJson(await asRoot(`/v1/functions/${fn.$id}`))).toEqual(fn);

    const listed = await okJson<{ total: number; functions: Fn[] }>(
      await asRoot(`/v1/functions?queries[0]=${encodeURIComponent(JSON.stringify({ method: 'equal', attribute: 'name', values: ['Fn'] }))}&search=${fn.$id}`),
    );
    expect(listed.functions.map((f) => f.$id)).toEqual([fn.$id]);

    const updated = await okJson<Fn>(await asRoot(`/v1/functions/${fn.$id}`, { method: 'PUT', json: { name: 'Renamed', runtime: 'bun-1.1', enabled: false } }));
    // PUT resets what it is not sent, as Appwrite's update does.
    expect(updated).toMatchObject({ name: 'Renamed', runtime: 'bun-1.1', enabled: false, execute: [], schedule: '', timeout: 15 });

    expect((await asRoot(`/v1/functions/${fn.$id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await errorOf(await asRoot(`/v1/functions/${fn.$id}`))).toMatchObject({ status: 404, type: 'function_not_found' });
  });

  it('refuses other runtimes, bad cron, bad roles, bad scopes and a taken id, changing nothing', async () => {
    expect(await errorOf(await asRoot('/v1/functions', { method: 'POST', json: { functionId: uniqueId(), name: 'P', runtime: 'python-3.12' } }))).toMatchObject({
      status: 404, type: 'function_runtime_unsupported', message: 'Runtime "python-3.12" is not supported',
    });
    for (const bad of [{ schedule: 'every minute' }, { execute: ['nobody'] }, { scopes: ['root.all'] }, { timeout: 0 }, { events: ['users..create'] }]) {
      expect(await errorOf(await asRoot('/v1/functions', { method: 'POST', json: { functionId: uniqueId(), name: 'B', runtime: 'node-22', ...bad } }))).toMatchObject({
        status: 400, type: 'general_argument_invalid',
      });
    }
    const fn = await makeFunction();
    expect(await errorOf(await asRoot('/v1/functions', { method: 'POST', json: { functionId: fn.$id, name: 'again', runtime: 'node-22' } }))).toMatchObject({
      status: 409, type: 'function_already_exists',
    });
  });

  it('lists runtimes (node and bun) and the one specification', async () => {
    const runtimes = await okJson<{ total: number; runtimes: { $id: string }[] }>(await asRoot('/v1/functions/runtimes'));
    const ids = runtimes.runtimes.map((r) => r.$id);
    expect(ids).toContain('node-22');
    expect(ids).toContain('bun-1.2');
    expect(ids.every((id) => /^(node|bun)-/.test(id))).toBe(true);
    expect((await okJson<{ total: number }>(await asRoot('/v1/functions/specifications'))).total).toBe(1);
  });

  it('needs functions.read / functions.write: a narrower key and a signed-in user are refused', async () => {
    const reader = await keyWith(['functions.read']);
    expect((await call('/v1/functions', { key: reader })).status).toBe(200);
    expect(await errorOf(await call('/v1/functions', { key: reader, method: 'POST', json: { functionId: uniqueId(), name: 'x', runtime: 'node-22' } }))).toMatchObject({
      status: 401, type: 'general_unauthorized_scope',
    });
    const stranger = await signedInUser();
    expect(await errorOf(await stranger.req('/v1/functions'))).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
  });
});

describe('function variables', () => {
  it('keeps plain and secret variables; a secret value is never returned and stays secret', async () => {
    const fn = await makeFunction();
    const base = `/v1/functions/${fn.$id}/variables`;
    const plain = await okJson<{ $id: string; value: string }>(await asRoot(base, { method: 'POST', json: { variableId: 'unique()', key: 'GREETING', value: 'hello' } }), 201);
    expect(plain).toMatchObject({ key: 'GREETING', value: 'hello', secret: false, resourceType: 'function', resourceId: fn.$id });
    const secret = await okJson<{ $id: string; value: string }>(await asRoot(base, { method: 'POST', json: { variableId: 'stripe', key: 'STRIPE_SECRET', value: 'whsec_1', secret: true } }), 201);
    expect(secret).toMatchObject({ $id: 'stripe', value: '', secret: true });
    expect(await okJson(await asRoot(`${base}/stripe`))).toMatchObject({ value: '', secret: true });
    const list = await okJson<{ total: number; variables: { key: string; value: string }[] }>(await asRoot(base));
    expect(list.variables.map((v) => [v.key, v.value])).toEqual([['GREETING', 'hello'], ['STRIPE_SECRET', '']]);
    expect((await okJson<Fn>(await asRoot(`/v1/functions/${fn.$id}`))).vars.map((v) => v.value)).toEqual(['hello', '']);

    expect(await errorOf(await asRoot(base, { method: 'POST', json: { variableId: 'unique()', key: 'GREETING', value: 'x' } }))).toMatchObject({ status: 409, type: 'variable_already_exists' });
    expect(await errorOf(await asRoot(`${base}/stripe`, { method: 'PUT', json: { key: 'STRIPE_SECRET', value: 'x', secret: false } }))).toMatchObject({
      status: 400, type: 'variable_cannot_unset_secret',
    });
    expect(await okJson(await asRoot(`${base}/${plain.$id}`, { method: 'PUT', json: { key: 'GREETING', value: 'hi' } }))).toMatchObject({ value: 'hi' });
    expect((await asRoot(`${base}/${plain.$id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await errorOf(await asRoot(`${base}/${plain.$id}`))).toMatchObject({ status: 404, type: 'variable_not_found' });
  });
});
