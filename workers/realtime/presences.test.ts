/**
 * Presences (Appwrite 1.9): the `presence` frame, the `/v1/presences` REST endpoints, their
 * permissions, and their events on the `presences` channels.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asRoot, call, errorOf, keyWith, okJson, signedInUser } from '../../test/helpers';
import { toAppwriteDate } from '../lib/time';
import { connect, type Frame } from './testing/socket';

const cookieOf = (u: { cookieValue: string }) => ({ Cookie: `a_session_${env.PROJECT_ID}=${u.cookieValue}` });
const presenceEvent = (suffix: string) => (f: Frame) => f.type === 'event' && (f.data!.events as string[])[0].endsWith(suffix);

describe('presence frames', () => {
  it('upsert the socket user presence, reach its readers, and end with the socket', async () => {
    const ann = await signedInUser();
    const bob = await signedInUser();
    const watcher = await connect('', cookieOf(ann));
    await watcher.subscribe(['presences']);
    const stranger = await connect('', cookieOf(bob));
    await stranger.subscribe(['presences']);

    const socket = await connect('', cookieOf(ann));
    const reply = await socket.request({ type: 'presence', data: { status: 'online', presenceId: 'ann-here', metadata: { page: '/home' } } });
    const presence = reply.data!.presence as Record<string, unknown>;
    expect(reply.data!.to).toBe('presence');
    expect(presence).toMatchObject({ $id: 'ann-here', userId: ann.user.id, status: 'online', source: 'realtime', metadata: { page: '/home' } });
    expect(presence.$permissions).toEqual([`delete("user:${ann.user.id}")`, `read("user:${ann.user.id}")`, `update("user:${ann.user.id}")`]);
    const upsert = await watcher.next(presenceEvent('ann-here.upsert'));
    expect(upsert.data!.channels).toEqual(['presences', 'presences.ann-here', 'presences.upsert', 'presences.ann-here.upsert']);

    // One presence per user: a second upsert under another id refreshes the same one.
    const again = await socket.request({ type: 'presence', data: { status: 'away', presenceId: 'other-id' } });
    expect(again.data!.presence).toMatchObject({ $id: 'ann-here', status: 'away' });

    expect((await okJson(await ann.req('/v1/presences/ann-here'))).status).toBe('away');
    expect((await errorOf(await bob.req('/v1/presences/ann-here'))).type).toBe('presence_not_found');

    socket.close();
    await watcher.next(presenceEvent('ann-here.delete'));
    expect((await errorOf(await ann.req('/v1/presences/ann-here'))).type).toBe('presence_not_found');
    await stranger.settle();
    expect(stranger.events()).toEqual([]);
    watcher.close();
    stranger.close();
  });
});

describe('/v1/presences', () => {
  it('upserts, reads, lists, updates and deletes with the presence permissions', async () => {
    const ann = await signedInUser();
    const bob = await signedInUser();
    const id = `p-${ann.user.id}`;
    const created = await okJson<Record<string, unknown>>(
      await ann.req(`/v1/presences/${id}`, { method: 'PUT', json: { status: 'online', permissions: ['read("users")', `write("user:${ann.user.id}")`], metadata: { a: 1 } } }),
    );
    expect(created).toMatchObject({
      $id: id, userId: ann.user.id, status: 'online', source: 'rest', metadata: { a: 1 },
      $permissions: [`delete("user:${ann.user.id}")`, 'read("users")', `update("user:${ann.user.id}")`],
    });
    expect(Date.parse(String(created.expiresAt)) - Date.now()).toBeGreaterThan(14 * 60_000);

    // Bob may read (users), not change.
    expect((await okJson(await bob.req(`/v1/presences/${id}`))).$id).toBe(id);
    const listed = await okJson<{ total: number; presences: { $id: string }[] }>(await bob.req(`/v1/presences?queries[0]=${encodeURIComponent(JSON.stringify({ method: 'equal', attribute: 'userId', values: [ann.user.id] }))}`));
    expect(listed).toMatchObject({ total: 1, presences: [{ $id: id }] });
    expect((await errorOf(await bob.req(`/v1/presences/${id}`, { method: 'PATCH', json: { status: 'hacked' } }))).type).toBe('user_unauthorized');
    expect((await errorOf(await bob.req(`/v1/presences/${id}`, { method: 'DELETE' }))).type).toBe('user_unauthorized');

    // A user may not grant a role it does not hold, nor name another user.
    expect((await errorOf(await ann.req(`/v1/presences/${id}`, { method: 'PATCH', json: { permissions: ['read("team:nope")'] } }))).type).toBe('user_unauthorized');
    expect((await errorOf(await ann.req(`/v1/presences/${id}`, { method: 'PUT', json: { status: 'x', userId: bob.user.id } }))).type).toBe('general_unauthorized_scope');

    const updated = await okJson(await ann.req(`/v1/presences/${id}`, { method: 'PATCH', json: { status: 'busy', permissions: [`read("user:${ann.user.id}")`, `write("user:${ann.user.id}")`] } }));
    expect(updated).toMatchObject({ status: 'busy', metadata: { a: 1 } });
    expect((await errorOf(await bob.req(`/v1/presences/${id}`))).type).toBe('presence_not_found');
    expect((await okJson<{ total: number }>(await bob.req('/v1/presences'))).total).toBe(0);

    expect((await ann.req(`/v1/presences/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await errorOf(await ann.req(`/v1/presences/${id}`))).type).toBe('presence_not_found');
  });

  it('lets an API key act for a named user, and refuses bad input', async () => {
    const ann = await signedInUser();
    const key = await keyWith(['presences.read', 'presences.write']);
    const asKey = (path: string, init: Parameters<typeof call>[1] = {}) => call(path, { ...init, key });
    expect((await errorOf(await asKey('/v1/presences/k1', { method: 'PUT', json: { status: 'on' } }))).type).toBe('general_bad_request');
    expect((await errorOf(await asKey('/v1/presences/k1', { method: 'PUT', json: { status: 'on', userId: 'nobody' } }))).type).toBe('user_not_found');
    const row = await okJson(await asKey('/v1/presences/k1', { method: 'PUT', json: { status: 'on', userId: ann.user.id } }));
    expect(row).toMatchObject({ userId: ann.user.id, $permissions: [`delete("user:${ann.user.id}")`, `read("user:${ann.user.id}")`, `update("user:${ann.user.id}")`] });
    expect((await okJson(await ann.req('/v1/presences/k1'))).$id).toBe('k1');
    const late = toAppwriteDate(Date.now() + 31 * 86_400_000);
    expect((await errorOf(await asKey('/v1/presences/k1', { method: 'PATCH', json: { expiresAt: late } }))).type).toBe('general_argument_invalid');
    expect((await errorOf(await asKey('/v1/presences/k1', { method: 'PATCH', json: { metadata: [1, 2] } }))).type).toBe('general_argument_invalid');
    expect((await errorOf(await asKey('/v1/presences/k1', { method: 'PUT', json: { status: 'x'.repeat(256), userId: ann.user.id } }))).type).toBe('general_argument_invalid');
    expect((await errorOf(await asKey(`/v1/presences?queries[0]=${encodeURIComponent(JSON.stringify({ method: 'equal', attribute: 'secret', values: [1] }))}`))).type).toBe('general_query_invalid');
    expect((await asKey('/v1/presences/k1', { method: 'DELETE' })).status).toBe(204);
  });

  it('refuses guests (no presences scopes) and hides expired presences', async () => {
    expect((await errorOf(await call('/v1/presences'))).type).toBe('general_unauthorized_scope');
    expect((await errorOf(await call('/v1/presences/x', { method: 'PUT', json: { status: 'on' } }))).type).toBe('general_unauthorized_scope');
    const ann = await signedInUser();
    await okJson(await ann.req('/v1/presences/soon-gone', { method: 'PUT', json: { status: 'on' } }));
    await env.DB.prepare('UPDATE presences SET expires_at = ? WHERE id = ?').bind(toAppwriteDate(Date.now() - 1000), 'soon-gone').run();
    expect((await errorOf(await ann.req('/v1/presences/soon-gone'))).type).toBe('presence_not_found');
    const all = await okJson<{ presences: { $id: string }[] }>(await asRoot('/v1/presences'));
    expect(all.presences.map((p) => p.$id)).not.toContain('soon-gone');
  });
});
