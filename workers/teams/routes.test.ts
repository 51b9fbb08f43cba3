import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { browser, sessionCookieName } from '../../test/browser';
import { call, errorOf, rootKey, signedInUser, type CallInit } from '../../test/helpers';
import { uniqueId } from '../lib/ids';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A signed-in user (created directly, so the test spends no time hashing passwords). */
const signedIn = (name = 'Ann') => signedInUser({ name });

const asKey = (path: string, init: CallInit = {}, key = rootKey()) => call(path, { ...init, key });

async function ok(res: Response, status = 200): Promise<Json> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  return status === 204 ? {} : ((await res.json()) as Json);
}

async function newTeam(owner: Awaited<ReturnType<typeof signedIn>>, name = 'Crew') {
  return ok(await owner.req('/v1/teams', { method: 'POST', json: { teamId: 'unique()', name } }), 201);
}

/** Owner invites `email`; returns the membership and the link parameters from the outbox mail. */
async function inviteByEmail(owner: Awaited<ReturnType<typeof signedIn>>, teamId: string, email: string, roles = ['viewer']) {
  const membership = await ok(
    await owner.req(`/v1/teams/${teamId}/memberships`, { method: 'POST', json: { email, roles, url: 'http://localhost:3000/accept?from=mail' } }),
    201,
  );
  const outbox = await ok(await asKey(`/v1/mail/outbox?to=${encodeURIComponent(email)}`));
  const mail = outbox.messages.find((m: Json) => m.kind === 'invitation' && m.text.includes(membership.$id));
  expect(mail, 'invitation mail in the outbox').toBeDefined();
  const link = new URL(/https?:\/\/\S+/.exec(mail.text)![0]);
  return { membership, mail, link, params: Object.fromEntries(link.searchParams) };
}

describe('teams through the API', () => {
  it('owner creates, invites by email; invitee accepts from the mail link, is signed in and sees the team; removal revokes at once', async () => {
    const owner = await signedIn('Olive');
    const team = await newTeam(owner, 'Crew');
    expect(team).toEqual({ $id: team.$id, $createdAt: expect.any(String), $updatedAt: expect.any(String), name: 'Crew', total: 1, prefs: {} });

    const email = `${uniqueId()}@example.com`;
    const { membership, mail, link, params } = await inviteByEmail(owner, team.$id, email);
    expect(Object.keys(membership).sort()).toEqual(
      ['$id', '$createdAt', '$updatedAt', 'userId', 'userName', 'userEmail', 'userPhone', 'teamId', 'teamName', 'invited', 'joined', 'confirm', 'mfa', 'userAccessedAt', 'roles'].sort(),
    );
    expect(membership).toMatchObject({ teamId: team.$id, teamName: 'Crew', userEmail: email, userName: email, confirm: false, joined: '', roles: ['viewer'] });
    expect(mail.subject).toBe(`Invitation to Crew Team at ${env.PROJECT_NAME || 'Ledge'}`);
    expect(mail.text).toContain('Olive');
    expect(link.origin + link.pathname).toBe('http://localhost:3000/accept');
    expect(params).toMatchObject({ from: 'mail', membershipId: membership.$id, userId: membership.userId, teamId: team.$id, teamName: 'Crew' });
    expect(params.secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await ok(await owner.req(`/v1/teams/${team.$id}`))).total).toBe(1);

    // The invitee is not a member yet: the team does not exist for them.
    const invitee = browser();
    const accepted = await invitee.req(`/v1/teams/${team.$id}/memberships/${membership.$id}/status`, {
      method: 'PATCH',
      json: { userId: params.userId, secret: params.secret },
    });
    const body = await ok(accepted);
    expect(body).toMatchObject({ $id: membership.$id, confirm: true, userId: membership.userId, teamName: 'Crew' });
    expect(body.joined).not.toBe('');
    expect(accepted.headers.getSetCookie().some((l) => l.startsWith(`${sessionCookieName()}=`))).toBe(true);
    expect(invitee.cookie).not.toBe('');

    const account = await ok(await invitee.req('/v1/account'));
    expect(account).toMatchObject({ $id: membership.userId, email, emailVerification: true });
    const seen = await ok(await invitee.req('/v1/teams'));
    expect(seen.teams.map((t: Json) => t.$id)).toEqual([team.$id]);
    expect(seen.total).toBe(1);
    expect((await ok(await owner.req('/v1/teams'))).teams.map((t: Json) => t.$id)).toContain(team.$id);
    expect((await ok(await owner.req(`/v1/teams/${team.$id}`))).total).toBe(2);

    const again = await invitee.req(`/v1/teams/${team.$id}/memberships/${membership.$id}/status`, { method: 'PATCH', json: { userId: params.userId, secret: params.secret } });
    expect(await errorOf(again)).toMatchObject({ status: 409, type: 'membership_already_confirmed' });

    const members = await ok(await invitee.req(`/v1/teams/${team.$id}/memberships`));
    expect(members.total).toBe(2);
    expect(members.memberships.map((m: Json) => m.userEmail)).toEqual([owner.user.email, email]);
    expect(members.memberships.every((m: Json) => m.userAccessedAt === '')).toBe(true);

    await ok(await owner.req(`/v1/teams/${team.$id}/memberships/${membership.$id}`, { method: 'DELETE' }), 204);
    expect(await errorOf(await invitee.req(`/v1/teams/${team.$id}`))).toMatchObject({ status: 404, type: 'team_not_found' });
    expect((await ok(await invitee.req('/v1/teams'))).total).toBe(0);
    expect((await ok(await owner.req(`/v1/teams/${team.$id}`))).total).toBe(1);
  });

  it('a signed-in stranger is told the team does not exist, everywhere', async () => {
    const owner = await signedIn();
    const team = await newTeam(owner);
    const { membership } = await inviteByEmail(owner, team.$id, `${uniqueId()}@example.com`);
    const stranger = await signedIn('Stan');
    const t = `/v1/teams/${team.$id}`;
    const attempts: [string, RequestInit & { json?: unknown }][] = [
      [t, {}],
      [t, { method: 'PUT', json: { name: 'Mine' } }],
      [t, { method: 'DELETE' }],
      [`${t}/prefs`, {}],
      [`${t}/prefs`, { method: 'PUT', json: { prefs: { a: 1 } } }],
      [`${t}/memberships`, {}],
      [`${t}/memberships`, { method: 'POST', json: { email: 'x@example.com', roles: [], url: 'http://localhost/' } }],
      [`${t}/memberships/${membership.$id}`, {}],
      [`${t}/memberships/${membership.$id}`, { method: 'PATCH', json: { roles: ['owner'] } }],
      [`${t}/memberships/${membership.$id}`, { method: 'DELETE' }],
    ];
    for (const [path, init] of attempts) {
      expect(await errorOf(await stranger.req(path, init)), `${init.method ?? 'GET'} ${path}`).toMatchObject({ status: 404, type: 'team_not_found' });
    }
    expect((await ok(await stranger.req('/v1/teams'))).teams).toEqual([]);
    const unchanged = await ok(await owner.req(t));
    expect(unchanged).toMatchObject({ name: 'Crew', total: 1 });
    expect((await ok(await owner.req(`${t}/memberships`))).total).toBe(2);
  });

  it('a guest lacks the teams scopes', async () => {
    const owner = await signedIn();
    const team = await newTeam(owner);
    const guest = browser();
    for (const [path, init] of [
      ['/v1/teams', {}],
      ['/v1/teams', { method: 'POST', json: { teamId: 'unique()', name: 'x' } }],
      [`/v1/teams/${team.$id}`, {}],
      [`/v1/teams/${team.$id}`, { method: 'DELETE' }],
      [`/v1/teams/${team.$id}/memberships`, {}],
      [`/v1/teams/${team.$id}/memberships`, { method: 'POST', json: { email: 'x@example.com', roles: [], url: 'http://localhost/' } }],
    ] as [string, RequestInit & { json?: unknown }][]) {
      expect(await errorOf(await guest.req(path, init))).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
    }
    expect((await ok(await owner.req(`/v1/teams/${team.$id}`))).name).toBe('Crew');
  });

  it('a member who is not an owner reads but cannot manage; may leave; the last owner may not', async () => {
    const owner = await signedIn();
    const member = await signedIn('Mia');
    const team = await newTeam(owner);
    const t = `/v1/teams/${team.$id}`;
    const mine = await ok(await asKey(`${t}/memberships`, { method: 'POST', json: { userId: member.user.id, roles: ['editor'] } }), 201);
    expect(mine).toMatchObject({ confirm: true, userId: member.user.id });
    expect(mine.userAccessedAt).not.toBe('');

    expect((await ok(await member.req(t))).total).toBe(2);
    expect(await ok(await member.req(`${t}/prefs`))).toEqual({});
    const ownerMembership = (await ok(await member.req(`${t}/memberships`))).memberships.find((m: Json) => m.userId === owner.user.id);
    for (const [path, init, message] of [
      [t, { method: 'PUT', json: { name: 'Mine' } }, undefined],
      [`${t}/prefs`, { method: 'PUT', json: { prefs: { a: 1 } } }, undefined],
      [t, { method: 'DELETE' }, undefined],
      [`${t}/memberships`, { method: 'POST', json: { email: 'x@example.com', roles: [], url: 'http://localhost/' } }, 'User is not allowed to send invitations for this team'],
      [`${t}/memberships/${mine.$id}`, { method: 'PATCH', json: { roles: ['owner'] } }, 'User is not allowed to modify roles'],
      [`${t}/memberships/${ownerMembership.$id}`, { method: 'DELETE' }, undefined],
    ] as [string, RequestInit & { json?: unknown }, string | undefined][]) {
      const err = await errorOf(await member.req(path, init));
      expect(err, `${init.method} ${path}`).toMatchObject({ status: 401, type: 'user_unauthorized' });
      if (message) expect(err.message).toBe(message);
    }
    expect(await ok(await owner.req(t))).toMatchObject({ name: 'Crew', total: 2, prefs: {} });

    // The only owner can neither leave nor step down while the member remains.
    expect(await errorOf(await owner.req(`${t}/memberships/${ownerMembership.$id}`, { method: 'DELETE' }))).toMatchObject({ status: 400, type: 'membership_deletion_prohibited' });
    expect(await errorOf(await owner.req(`${t}/memberships/${ownerMembership.$id}`, { method: 'PATCH', json: { roles: ['editor'] } }))).toMatchObject({ status: 400, type: 'membership_downgrade_prohibited' });

    const promoted = await ok(await owner.req(`${t}/memberships/${mine.$id}`, { method: 'PATCH', json: { roles: ['editor', 'owner'] } }));
    expect(promoted.roles).toEqual(['editor', 'owner']);
    // The role counts on the member's very next request.
    expect((await ok(await member.req(t, { method: 'PUT', json: { name: 'Renamed' } }))).name).toBe('Renamed');
    await ok(await owner.req(`${t}/memberships/${ownerMembership.$id}`, { method: 'DELETE' }), 204);
    expect(await errorOf(await owner.req(t))).toMatchObject({ type: 'team_not_found' });
    expect((await ok(await member.req(t))).total).toBe(1);
  });

  it('owners rename, set prefs and delete; deleting removes every membership', async () => {
    const owner = await signedIn();
    const team = await newTeam(owner);
    const t = `/v1/teams/${team.$id}`;
    expect((await ok(await owner.req(t, { method: 'PUT', json: { name: 'New name' } }))).name).toBe('New name');
    expect(await ok(await owner.req(`${t}/prefs`, { method: 'PUT', json: { prefs: { theme: 'dark', n: 2 } } }))).toEqual({ theme: 'dark', n: 2 });
    expect(await ok(await owner.req(`${t}/prefs`))).toEqual({ theme: 'dark', n: 2 });
    expect(await errorOf(await owner.req(`${t}/prefs`, { method: 'PUT', json: { prefs: [1] } }))).toMatchObject({ type: 'general_argument_invalid' });
    expect(await errorOf(await owner.req(t, { method: 'PUT', json: { name: '' } }))).toMatchObject({ type: 'general_argument_invalid' });
    const { membership } = await inviteByEmail(owner, team.$id, `${uniqueId()}@example.com`);

    await ok(await owner.req(t, { method: 'DELETE' }), 204);
    expect(await errorOf(await asKey(t))).toMatchObject({ status: 404, type: 'team_not_found' });
    expect(await errorOf(await asKey(`${t}/memberships/${membership.$id}`))).toMatchObject({ status: 404, type: 'team_not_found' });
    expect((await ok(await owner.req('/v1/teams'))).teams.map((x: Json) => x.$id)).not.toContain(team.$id);
  });

  it('refuses bad invitations and changes nothing', async () => {
    const owner = await signedIn();
    const team = await newTeam(owner);
    const t = `/v1/teams/${team.$id}`;
    const email = `${uniqueId()}@example.com`;
    const bad = [
      { email, roles: [], url: 'https://evil.example.net/steal' },
      { email, roles: [] },
      { email, roles: [], url: 'not a url' },
      { email, roles: ['has space'], url: 'http://localhost/' },
      { email: 'not-an-email', roles: [], url: 'http://localhost/' },
    ];
    for (const json of bad) {
      expect(await errorOf(await owner.req(`${t}/memberships`, { method: 'POST', json })), JSON.stringify(json)).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    }
    expect((await ok(await owner.req(`${t}/memberships`))).total).toBe(1);
    expect((await ok(await asKey(`/v1/users?search=${encodeURIComponent(email)}`))).total ?? 0).toBe(0);
    expect((await ok(await asKey(`/v1/mail/outbox?to=${encodeURIComponent(email)}`))).total).toBe(0);
  });

  it('checks acceptance: wrong secret, someone else signed in, another team', async () => {
    const owner = await signedIn();
    const team = await newTeam(owner);
    const other = await newTeam(owner, 'Other');
    const { membership, params } = await inviteByEmail(owner, team.$id, `${uniqueId()}@example.com`);
    const status = (teamId: string) => `/v1/teams/${teamId}/memberships/${membership.$id}/status`;

    expect(await errorOf(await browser().req(status(team.$id), { method: 'PATCH', json: { userId: params.userId, secret: 'nope' } }))).toMatchObject({ status: 401, type: 'team_invalid_secret' });
    expect(await errorOf(await browser().req(status(other.$id), { method: 'PATCH', json: { userId: params.userId, secret: params.secret } }))).toMatchObject({ status: 404, type: 'team_membership_mismatch' });
    expect(await errorOf(await browser().req(status('missing'), { method: 'PATCH', json: { userId: params.userId, secret: params.secret } }))).toMatchObject({ status: 404, type: 'team_not_found' });
    expect(await errorOf(await browser().req(`/v1/teams/${team.$id}/memberships/missing/status`, { method: 'PATCH', json: { userId: params.userId, secret: params.secret } }))).toMatchObject({ status: 404, type: 'membership_not_found' });
    const intruder = await signedIn('Ivy');
    expect(await errorOf(await intruder.req(status(team.$id), { method: 'PATCH', json: { userId: params.userId, secret: params.secret } }))).toMatchObject({ status: 401, type: 'team_invite_mismatch' });
    expect(await errorOf(await intruder.req(status(team.$id), { method: 'PATCH', json: { userId: intruder.user.id, secret: params.secret } }))).toMatchObject({ status: 401, type: 'team_invite_mismatch' });
    expect((await ok(await owner.req(`/v1/teams/${team.$id}`))).total).toBe(1);
    expect(intruder.cookie).toContain(sessionCookieName());
  });

  it('a signed-in invitee accepts without a new session', async () => {
    const owner = await signedIn();
    const team = await newTeam(owner);
    const invitee = await signedIn('Ina');
    const { membership, params } = await inviteByEmail(owner, team.$id, invitee.user.email!);
    expect(membership.userId).toBe(invitee.user.id);
    const res = await invitee.req(`/v1/teams/${team.$id}/memberships/${membership.$id}/status`, { method: 'PATCH', json: { userId: params.userId, secret: params.secret } });
    expect(await ok(res)).toMatchObject({ confirm: true, userName: 'Ina' });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect((await ok(await invitee.req(`/v1/teams/${team.$id}`))).total).toBe(2);
  });

  it('API keys: teams without members, confirmed invitations, scopes enforced', async () => {
    const team = await ok(await asKey('/v1/teams', { method: 'POST', json: { teamId: 'unique()', name: 'Server' } }), 201);
    expect(team.total).toBe(0);
    expect((await ok(await asKey(`/v1/teams/${team.$id}/memberships`))).total).toBe(0);
    const email = `${uniqueId()}@example.com`;
    const m = await ok(await asKey(`/v1/teams/${team.$id}/memberships`, { method: 'POST', json: { email, roles: ['owner'], name: 'Nia' } }), 201);
    expect(m).toMatchObject({ confirm: true, userEmail: email, userName: 'Nia', roles: ['owner'] });
    expect((await ok(await asKey(`/v1/teams/${team.$id}`))).total).toBe(1);
    expect((await ok(await asKey(`/v1/mail/outbox?to=${encodeURIComponent(email)}`))).total).toBe(0);
    expect(await errorOf(await asKey('/v1/teams', { method: 'POST', json: { teamId: team.$id, name: 'Dup' } }))).toMatchObject({ status: 409, type: 'team_already_exists' });

    const reader = await ok(await asKey('/v1/project/keys', { method: 'POST', json: { keyId: 'unique()', name: 'teams reader', scopes: ['teams.read'] } }), 201);
    expect((await ok(await asKey('/v1/teams', {}, reader.secret))).total).toBeGreaterThan(0);
    expect(await errorOf(await asKey(`/v1/teams/${team.$id}`, { method: 'PUT', json: { name: 'x' } }, reader.secret))).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
  });

  it('publishes team and membership events after the write', async () => {
    const owner = await signedIn();
    const team = await newTeam(owner);
    const { membership, params } = await inviteByEmail(owner, team.$id, `${uniqueId()}@example.com`);
    await ok(await browser().req(`/v1/teams/${team.$id}/memberships/${membership.$id}/status`, { method: 'PATCH', json: { userId: params.userId, secret: params.secret } }));
    const wanted = [
      `teams.${team.$id}.create`,
      `teams.${team.$id}.memberships.${membership.$id}.create`,
      `teams.${team.$id}.memberships.${membership.$id}.update.status`,
    ];
    let seen: string[] = [];
    for (let i = 0; i < 50 && !wanted.every((w) => seen.includes(w)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const rows = await env.DB.prepare('SELECT event FROM event_receipts WHERE event LIKE ?').bind(`teams.${team.$id}.%`).all<{ event: string }>();
      seen = rows.results.map((r) => r.event);
    }
    expect(seen.sort()).toEqual(wanted.sort());
  });
});
