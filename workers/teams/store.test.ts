import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/errors';
import { uniqueId } from '../lib/ids';
import { createUser, findUser } from '../identity/users';
import { acceptanceStatements, checkAcceptance, invite } from './invites';
import {
  createTeam, deleteTeam, findMembership, findTeam, getTeam, listMemberships, listTeams, ownerCensus, runBatch,
} from '../identity/teams';

const db = () => env.DB;

/** The SDK's Query wire format (node-appwrite does not load inside workerd). */
const q = (method: string, attribute?: string, values?: unknown[]) => JSON.stringify({ method, attribute, values });
const Query = {
  equal: (a: string, v: unknown[]) => q('equal', a, v),
  startsWith: (a: string, v: string) => q('startsWith', a, [v]),
  contains: (a: string, v: unknown[]) => q('contains', a, v),
  orderDesc: (a: string) => q('orderDesc', a),
  limit: (n: number) => q('limit', undefined, [n]),
  offset: (n: number) => q('offset', undefined, [n]),
  cursorAfter: (id: string) => q('cursorAfter', undefined, [id]),
  cursorBefore: (id: string) => q('cursorBefore', undefined, [id]),
};
const list = (queries: string[] = [], search = '') => ({ queries, search, total: true });

async function typeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).type;
  }
  return 'resolved';
}

async function aUser(name = 'Ann') {
  return createUser(db(), { id: uniqueId(), email: `${uniqueId()}@example.com`, name });
}

describe('teams store', () => {
  it('creates a team with its creator as a confirmed owner and counts only confirmed members', async () => {
    const ann = await aUser();
    const { team, membership } = await createTeam(db(), { id: uniqueId(), name: 'Crew', creator: { userId: ann.id, roles: ['editor'] } });
    expect(team.total).toBe(1);
    expect(membership).toMatchObject({ userId: ann.id, confirm: true, roles: ['editor', 'owner'] });
    expect(membership?.joined).toBe(membership?.invited);

    const { team: empty, membership: none } = await createTeam(db(), { id: uniqueId(), name: 'Server made' });
    expect(empty.total).toBe(0);
    expect(none).toBeNull();

    expect(await typeOf(createTeam(db(), { id: team.id, name: 'Again' }))).toBe('team_already_exists');
  });

  it('lists only readable teams, with search, filters, order, offset and both cursors', async () => {
    const tag = uniqueId();
    const ids: string[] = [];
    for (const name of ['alpha', 'bravo', 'charlie', 'delta']) {
      ids.push((await createTeam(db(), { id: uniqueId(), name: `${tag} ${name}` })).team.id);
    }
    const readable = [ids[0], ids[2], ids[3]];
    const mine = await listTeams(db(), readable, list([], tag));
    expect(mine.total).toBe(3);
    expect(mine.teams.map((t) => t.$id)).toEqual(readable);

    const all = await listTeams(db(), null, list([], tag));
    expect(all.total).toBe(4);

    const desc = await listTeams(db(), null, list([Query.orderDesc('name'), Query.limit(2)], tag));
    expect(desc.teams.map((t) => t.name)).toEqual([`${tag} delta`, `${tag} charlie`]);
    expect(desc.total).toBe(4);

    const after = await listTeams(db(), null, list([Query.orderDesc('name'), Query.cursorAfter(ids[2]), Query.limit(5)], tag));
    expect(after.teams.map((t) => t.$id)).toEqual([ids[1], ids[0]]);
    const before = await listTeams(db(), null, list([Query.cursorBefore(ids[2]), Query.limit(1)], tag));
    expect(before.teams.map((t) => t.$id)).toEqual([ids[1]]);
    const offset = await listTeams(db(), null, list([Query.offset(3)], tag));
    expect(offset.teams.map((t) => t.$id)).toEqual([ids[3]]);

    const named = await listTeams(db(), null, list([Query.equal('name', [`${tag} bravo`, `${tag} delta`])]));
    expect(named.teams.map((t) => t.$id)).toEqual([ids[1], ids[3]]);
    const starts = await listTeams(db(), null, list([Query.startsWith('name', `${tag} c`)]));
    expect(starts.teams.map((t) => t.$id)).toEqual([ids[2]]);

    // Search words are literal: `_` and `%` are not wildcards.
    const literal = (await createTeam(db(), { id: uniqueId(), name: `${tag}_x%y` })).team.id;
    await createTeam(db(), { id: uniqueId(), name: `${tag}Zx5y` });
    expect((await listTeams(db(), null, list([], `${tag}_x%y`))).teams.map((t) => t.$id)).toEqual([literal]);

    // A cursor on a team the caller cannot read is as unknown as a missing one.
    expect(await typeOf(listTeams(db(), readable, list([Query.cursorAfter(ids[1])])))).toBe('general_cursor_not_found');
    expect(await typeOf(listTeams(db(), null, list([Query.equal('secret', ['x'])])))).toBe('general_query_invalid');
    expect(await typeOf(listTeams(db(), null, list([Query.equal('total', ['1'])])))).toBe('general_query_invalid');
    expect(await typeOf(listTeams(db(), null, list(['not json'])))).toBe('general_query_invalid');
    expect(await typeOf(listTeams(db(), null, list([Query.limit(0)])))).toBe('general_query_invalid');
  });

  it('invites by email (creating the user), renews an open invitation, and confirms a key\'s at once', async () => {
    const ann = await aUser();
    const { team } = await createTeam(db(), { id: uniqueId(), name: 'Crew', creator: { userId: ann.id, roles: ['owner'] } });
    const address = `${uniqueId()}@Example.com`;

    const first = await invite(db(), { team, email: address, roles: ['viewer'], byKey: false });
    expect(first.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(first.view.membership).toMatchObject({ confirm: false, joined: '', roles: ['viewer'] });
    expect(first.view.user).toMatchObject({ email: address.toLowerCase(), name: address.toLowerCase() });
    expect(first.view.membership.secretHash).not.toContain(first.secret);
    expect((await getTeam(db(), team.id)).total).toBe(1);

    const again = await invite(db(), { team, email: address, roles: ['admin'], byKey: false });
    expect(again.view.membership.id).toBe(first.view.membership.id);
    expect(again.view.membership.roles).toEqual(['viewer']);
    expect(await typeOf(checkAcceptance(again.view, { userId: again.view.membership.userId, secret: first.secret!, signedInUserId: null }))).toBe('team_invalid_secret');

    const bob = await aUser('Bob');
    const byKey = await invite(db(), { team, userId: bob.id, roles: ['viewer'], byKey: true });
    expect(byKey.secret).toBeNull();
    expect(byKey.view.membership).toMatchObject({ confirm: true, userId: bob.id });
    expect((await getTeam(db(), team.id)).total).toBe(2);
    expect(await typeOf(invite(db(), { team, userId: bob.id, roles: [], byKey: true }))).toBe('membership_already_confirmed');

    expect(await typeOf(invite(db(), { team, userId: 'nobody', roles: [], byKey: false }))).toBe('user_not_found');
    expect(await typeOf(invite(db(), { team, userId: bob.id, email: 'other@example.com', roles: [], byKey: false }))).toBe('user_already_exists');
    expect(await typeOf(invite(db(), { team, roles: [], byKey: false }))).toBe('general_argument_invalid');
    const phoneOnly = invite(db(), { team, phone: '+15550001111', roles: [], byKey: false });
    expect(await typeOf(phoneOnly)).toBe('general_phone_disabled');
  });

  it('accepts with the right secret only, for the invited user only, once', async () => {
    const ann = await aUser();
    const { team } = await createTeam(db(), { id: uniqueId(), name: 'Crew', creator: { userId: ann.id, roles: ['owner'] } });
    const { view, secret } = await invite(db(), { team, email: `${uniqueId()}@example.com`, roles: ['viewer'], byKey: false });
    const userId = view.membership.userId;

    expect(await typeOf(checkAcceptance(view, { userId, secret: 'wrong', signedInUserId: null }))).toBe('team_invalid_secret');
    expect(await typeOf(checkAcceptance(view, { userId: ann.id, secret: secret!, signedInUserId: null }))).toBe('team_invite_mismatch');
    expect(await typeOf(checkAcceptance(view, { userId, secret: secret!, signedInUserId: ann.id }))).toBe('team_invite_mismatch');

    await checkAcceptance(view, { userId, secret: secret!, signedInUserId: null });
    await runBatch(db(), acceptanceStatements(db(), view));
    const after = await findMembership(db(), view.membership.id);
    expect(after?.membership).toMatchObject({ confirm: true });
    expect(after?.membership.joined).not.toBe('');
    expect((await findUser(db(), userId))?.emailVerification).toBe(true);
    expect((await getTeam(db(), team.id)).total).toBe(2);
    expect(await typeOf(checkAcceptance(after!, { userId, secret: secret!, signedInUserId: null }))).toBe('membership_already_confirmed');

    const census = await ownerCensus(db(), team.id);
    expect(census.membershipCount).toBe(2);
    expect(census.confirmedOwnerIds).toHaveLength(1);
  });

  it('lists memberships with filters on confirm and roles; deleting the team removes them in one go', async () => {
    const ann = await aUser();
    const { team } = await createTeam(db(), { id: uniqueId(), name: 'Crew', creator: { userId: ann.id, roles: ['owner'] } });
    const pending = await invite(db(), { team, email: `${uniqueId()}@example.com`, roles: ['viewer', 'qa'], byKey: false });

    const all = await listMemberships(db(), team.id, list());
    expect(all.total).toBe(2);
    expect(all.rows.map((r) => r.user?.id)).toEqual([ann.id, pending.view.membership.userId]);
    const confirmed = await listMemberships(db(), team.id, list([Query.equal('confirm', [true])]));
    expect(confirmed.rows.map((r) => r.membership.userId)).toEqual([ann.id]);
    const qa = await listMemberships(db(), team.id, list([Query.contains('roles', ['qa'])]));
    expect(qa.rows.map((r) => r.membership.id)).toEqual([pending.view.membership.id]);
    const searched = await listMemberships(db(), team.id, list([], ann.id));
    expect(searched.rows.map((r) => r.membership.userId)).toEqual([ann.id]);

    await deleteTeam(db(), team.id);
    expect(await findTeam(db(), team.id)).toBeNull();
    expect(await findMembership(db(), pending.view.membership.id)).toBeNull();
    expect((await listMemberships(db(), team.id, list())).total).toBe(0);
    expect(await typeOf(deleteTeam(db(), team.id))).toBe('team_not_found');
  });
});
