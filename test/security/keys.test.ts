/**
 * Issue 10, defect 4: a scoped key with `keys.write` may not downgrade or delete a key that holds
 * scopes it lacks (it already could not grant them).
 */
import { describe, expect, it } from 'vitest';
import { call, errorOf, rootKey } from '../helpers';

async function createKey(scopes: string[], key = rootKey()) {
  const res = await call('/v1/project/keys', { method: 'POST', key, json: { keyId: 'unique()', name: 'k', scopes } });
  expect(res.status).toBe(201);
  return (await res.json()) as { $id: string; secret: string; scopes: string[] };
}

const getKey = async (id: string) => (await (await call(`/v1/project/keys/${id}`, { key: rootKey() })).json()) as { scopes: string[]; name: string };

describe('key tampering', () => {
  it('a key manager cannot strip, rename or delete a stronger key, and the stronger key keeps working', async () => {
    const strong = await createKey(['users.read', 'users.write', 'keys.read']);
    const manager = await createKey(['keys.read', 'keys.write', 'users.read']);
    const update = await call(`/v1/project/keys/${strong.$id}`, { method: 'PUT', key: manager.secret, json: { name: 'pwned', scopes: ['users.read'] } });
    expect(await errorOf(update)).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
    const del = await call(`/v1/project/keys/${strong.$id}`, { method: 'DELETE', key: manager.secret });
    expect(await errorOf(del)).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
    expect(await getKey(strong.$id)).toMatchObject({ name: 'k', scopes: ['users.read', 'users.write', 'keys.read'] });
    expect((await call('/v1/users', { key: strong.secret })).status).toBe(200);
  });

  it('still manages keys within its own scopes, and an unknown key is key_not_found', async () => {
    const manager = await createKey(['keys.read', 'keys.write', 'users.read']);
    const weak = await createKey(['users.read'], manager.secret);
    const renamed = await call(`/v1/project/keys/${weak.$id}`, { method: 'PUT', key: manager.secret, json: { name: 'renamed', scopes: ['users.read', 'keys.read'] } });
    expect(renamed.status).toBe(200);
    expect((await call(`/v1/project/keys/${weak.$id}`, { method: 'DELETE', key: manager.secret })).status).toBe(204);
    expect(await errorOf(await call('/v1/project/keys/missing', { method: 'DELETE', key: manager.secret }))).toMatchObject({ status: 404, type: 'key_not_found' });
    // The root key holds every scope, so it may change anything.
    const strong = await createKey(['users.write']);
    expect((await call(`/v1/project/keys/${strong.$id}`, { method: 'DELETE', key: rootKey() })).status).toBe(204);
  });
});
