import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asRoot, errorOf, okJson } from '../../test/helpers';
import { handlerTargets } from '../events/consumer';
import { makeEvent } from '../events/event';
import { uniqueId } from '../lib/ids';
import { staticResolver } from '../lib/net';
import { signature, webhookDelivery } from './deliver';

type Hook = { $id: string; secret: string; enabled: boolean; attempts: number; logs: string; authPassword: string };

async function createHook(extra: Record<string, unknown> = {}) {
  return okJson<Hook>(await asRoot('/v1/webhooks', { method: 'POST', json: { webhookId: uniqueId(), name: 'Hook', url: 'https://hooks.example.com/in', events: ['users.*.create'], ...extra } }), 201);
}

/** A receiver in the test runtime: it checks the signature the way an Appwrite webhook consumer does. */
function receiver(secret: () => string, status = 200) {
  const got: { headers: Headers; body: string; valid: boolean }[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const body = await req.text();
    const expected = await signature(req.url, body, secret());
    got.push({ headers: req.headers, body, valid: req.headers.get('x-appwrite-webhook-signature') === expected });
    return new Response(status < 400 ? 'ok' : 'nope', { status });
  }) as typeof fetch;
  return { got, fetcher };
}

const resolver = staticResolver({ 'hooks.example.com': ['93.184.216.34'], 'evil.example.com': ['10.0.0.7'], 'meta.example.com': ['169.254.169.254'] });

describe('webhooks API', () => {
  it('creates, reads, lists, updates, rotates and deletes; the secret shows only on create and rotation', async () => {
    const hook = await createHook({ authUsername: 'u', authPassword: 'p' });
    expect(hook.secret).toMatch(/^[0-9a-f]{128}$/);
    expect(hook.authPassword).toBe('p');
    const read = await okJson<Hook>(await asRoot(`/v1/webhooks/${hook.$id}`));
    expect(read).toMatchObject({ secret: '', authPassword: '', enabled: true, attempts: 0, tls: false });
    const list = await okJson<{ webhooks: Hook[] }>(await asRoot(`/v1/webhooks?queries[0]=${encodeURIComponent(JSON.stringify({ method: 'equal', attribute: '$id', values: [hook.$id] }))}`));
    expect(list.webhooks.map((w) => w.$id)).toEqual([hook.$id]);
    const rotated = await okJson<Hook>(await asRoot(`/v1/webhooks/${hook.$id}/secret`, { method: 'PATCH', json: { secret: 'a-new-secret-key' } }));
    expect(rotated.secret).toBe('a-new-secret-key');
    expect(await okJson(await asRoot(`/v1/webhooks/${hook.$id}`, { method: 'PUT', json: { name: 'Renamed', url: 'https://hooks.example.com/v2', events: ['teams.*'] } }))).toMatchObject({ name: 'Renamed', events: ['teams.*'] });
    expect((await asRoot(`/v1/webhooks/${hook.$id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await errorOf(await asRoot(`/v1/webhooks/${hook.$id}`))).toMatchObject({ status: 404, type: 'webhook_not_found' });
  });

  it('refuses private literal targets, bad events and a short secret', async () => {
    for (const url of ['http://127.0.0.1/x', 'http://10.1.2.3/', 'http://[::1]/', 'http://169.254.169.254/latest', 'http://localhost:8080/', 'ftp://example.com/']) {
      expect(await errorOf(await asRoot('/v1/webhooks', { method: 'POST', json: { webhookId: uniqueId(), name: 'x', url, events: [] } }))).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    }
    expect(await errorOf(await asRoot('/v1/webhooks', { method: 'POST', json: { webhookId: uniqueId(), name: 'x', url: 'https://a.example.com', events: ['a..b'] } }))).toMatchObject({ status: 400 });
    expect(await errorOf(await asRoot('/v1/webhooks', { method: 'POST', json: { webhookId: uniqueId(), name: 'x', url: 'https://a.example.com', events: [], secret: 'short' } }))).toMatchObject({ status: 400 });
  });
});

describe('webhook delivery', () => {
  it('posts the payload with Appwrite headers and a signature the receiver verifies, with basic auth', async () => {
    const hook = await createHook({ authUsername: 'ann', authPassword: 'pw' });
    const { got, fetcher } = receiver(() => hook.secret);
    const event = makeEvent([`users.u1.create`, 'users.*.create'], { $id: 'u1', name: 'Ann' }, [], 'u1');
    const delivery = webhookDelivery({ resolver, fetch: fetcher });
    expect(await handlerTargets(delivery, event, env)).toContain(hook.$id);
    await delivery.handle(event, env, hook.$id);
    expect(got).toHaveLength(1);
    expect(got[0].valid).toBe(true);
    expect(JSON.parse(got[0].body)).toEqual({ $id: 'u1', name: 'Ann' });
    expect(Object.fromEntries([...got[0].headers].filter(([k]) => k.startsWith('x-appwrite-webhook-') && k !== 'x-appwrite-webhook-signature'))).toEqual({
      'x-appwrite-webhook-id': hook.$id, 'x-appwrite-webhook-events': 'users.u1.create,users.*.create', 'x-appwrite-webhook-name': 'Hook',
      'x-appwrite-webhook-user-id': 'u1', 'x-appwrite-webhook-project-id': env.PROJECT_ID,
    });
    expect(got[0].headers.get('authorization')).toBe(`Basic ${btoa('ann:pw')}`);
  });

  it('refuses a name resolving to a private or metadata address, records it, and disables after repeated failure', async () => {
    const hook = await createHook({ url: 'https://evil.example.com/hook' });
    const { got, fetcher } = receiver(() => hook.secret);
    const delivery = webhookDelivery({ resolver, fetch: fetcher, maxAttempts: 3 });
    const event = makeEvent(['users.u2.create'], { $id: 'u2' }, []);
    await expect(delivery.handle(event, env, hook.$id)).rejects.toThrow(/not public/);
    expect(got).toHaveLength(0);
    const after = await okJson<Hook>(await asRoot(`/v1/webhooks/${hook.$id}`));
    expect(after).toMatchObject({ attempts: 1, enabled: true });
    expect(after.logs).toContain('Client Error');
    await expect(delivery.handle(event, env, hook.$id)).rejects.toThrow();
    await expect(delivery.handle(event, env, hook.$id)).rejects.toThrow(/now disabled/);
    expect(await okJson<Hook>(await asRoot(`/v1/webhooks/${hook.$id}`))).toMatchObject({ attempts: 3, enabled: false });
    expect(await handlerTargets(delivery, event, env)).not.toContain(hook.$id);

    const metadata = await createHook({ url: 'https://meta.example.com/' });
    await expect(webhookDelivery({ resolver, fetch: fetcher }).handle(event, env, metadata.$id)).rejects.toThrow(/not public/);
  });

  it('counts a receiver error status as a failure and a success as a reset', async () => {
    const hook = await createHook();
    const down = receiver(() => hook.secret, 503);
    const event = makeEvent(['users.u3.create'], { $id: 'u3' }, []);
    await expect(webhookDelivery({ resolver, fetch: down.fetcher }).handle(event, env, hook.$id)).rejects.toThrow(/Status code: 503/);
    const up = receiver(() => hook.secret);
    await webhookDelivery({ resolver, fetch: up.fetcher }).handle(event, env, hook.$id);
    expect(await okJson<Hook>(await asRoot(`/v1/webhooks/${hook.$id}`))).toMatchObject({ attempts: 0, enabled: true });
  });
});
