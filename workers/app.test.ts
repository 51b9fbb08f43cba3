import { describe, expect, it } from 'vitest';
import { call, errorOf, rootKey } from '../test/helpers';

describe('Appwrite conventions', () => {
  it('answers /v1/ping without a project', async () => {
    const res = await call('/v1/ping', { project: null });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Pong!');
  });

  it('refuses an unknown project with project_not_found', async () => {
    const err = await errorOf(await call('/v1/health', { project: 'nope', key: rootKey() }));
    expect(err).toMatchObject({ status: 404, code: 404, type: 'project_not_found' });
    expect(err.version).toMatch(/^1\.9\./);
  });

  it('takes the project from ?project= too', async () => {
    const res = await call('/v1/health?project=local', { project: null, key: rootKey() });
    expect(res.status).toBe(200);
  });

  it('answers unknown routes with general_route_not_found', async () => {
    const err = await errorOf(await call('/v1/nowhere'));
    expect(err).toMatchObject({ status: 404, type: 'general_route_not_found' });
  });

  it('refuses malformed JSON with general_argument_invalid', async () => {
    const err = await errorOf(await call('/v1/project/keys', { method: 'POST', key: rootKey(), body: '{"name":' }));
    expect(err).toMatchObject({ status: 400, type: 'general_argument_invalid' });
  });

  it('refuses an unsupported content type', async () => {
    const err = await errorOf(
      await call('/v1/project/keys', { method: 'POST', key: rootKey(), body: 'name=x', headers: { 'Content-Type': 'text/plain' } }),
    );
    expect(err).toMatchObject({ status: 400, type: 'general_argument_invalid' });
  });

  it('refuses a bad key with user_unauthorized', async () => {
    const err = await errorOf(await call('/v1/health', { key: 'standard_bogus' }));
    expect(err).toMatchObject({ status: 401, type: 'user_unauthorized' });
  });

  it('needs health.read for health checks', async () => {
    const err = await errorOf(await call('/v1/health'));
    expect(err).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
  });

  it('checks the real bindings behind /v1/health/*', async () => {
    for (const path of ['/v1/health', '/v1/health/storage', '/v1/health/queue']) {
      const res = await call(path, { key: rootKey() });
      expect(res.status, path).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'pass' });
    }
    const db = await call('/v1/health/db', { key: rootKey() });
    expect(await db.json()).toMatchObject({ total: 1, statuses: [{ status: 'pass' }] });
  });
});
