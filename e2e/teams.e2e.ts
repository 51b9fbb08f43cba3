import { ID, TablesDB as WebTablesDB, Teams } from 'appwrite';
import {
  Permission, Role, TablesDB, Teams as ServerTeams, Users,
} from 'node-appwrite';
import { describe, expect, it } from 'vitest';
import { ledge, refusal, serverClient } from './support/ledge';
import { latestMail, linkIn } from './support/outbox';
import { uniqueEmail, webUser } from './support/web-client';

/** A web-SDK user who signed up and signed in through their own browser (cookie jar). */
async function signedInUser(name: string) {
  const user = webUser(ledge);
  const email = uniqueEmail(name.toLowerCase());
  await user.as(() => user.account.create({ userId: ID.unique(), email, password: 'correct-horse-1', name }));
  await user.as(() => user.account.createEmailPasswordSession({ email, password: 'correct-horse-1' }));
  return { ...user, email, teams: new Teams(user.client) };
}

/** A row in a table only `team:<teamId>` may read, made with the root key. */
async function teamOnlyRow(teamId: string) {
  const tablesDB = new TablesDB(serverClient());
  const databaseId = ID.unique();
  await tablesDB.create({ databaseId, name: 'teams e2e' });
  const table = await tablesDB.createTable({ databaseId, tableId: ID.unique(), name: 'notes', permissions: [Permission.read(Role.team(teamId))] });
  await tablesDB.createStringColumn({ databaseId, tableId: table.$id, key: 'text', size: 64, required: true });
  const row = await tablesDB.createRow({ databaseId, tableId: table.$id, rowId: ID.unique(), data: { text: 'for the team' } });
  return { databaseId, tableId: table.$id, rowId: row.$id };
}

describe('Teams through the web SDK', () => {
  it('owner creates a team, invites by email; the invitee accepts from the mail, gains team:T, and loses it on removal', async () => {
    const owner = await signedInUser('Olive');
    const outsider = await signedInUser('Oscar');

    const team = await owner.as(() => owner.teams.create({ teamId: ID.unique(), name: 'Crew' }));
    expect(team).toMatchObject({ name: 'Crew', total: 1, prefs: {} });

    const bad = await refusal(owner.as(() => owner.teams.createMembership({ teamId: team.$id, roles: ['viewer'], email: uniqueEmail('x'), url: 'https://evil.example.net/accept' })));
    expect(bad).toMatchObject({ code: 400, type: 'general_argument_invalid' });

    const inviteeEmail = uniqueEmail('ivy');
    const invited = await owner.as(() =>
      owner.teams.createMembership({ teamId: team.$id, roles: ['viewer'], email: inviteeEmail, url: 'http://app.test/accept' }),
    );
    expect(invited).toMatchObject({ teamId: team.$id, teamName: 'Crew', userEmail: inviteeEmail, confirm: false, roles: ['viewer'] });

    // The invitee opens the link from the mail in a fresh browser and accepts.
    const mail = await latestMail(ledge, inviteeEmail, 'invitation');
    const link = linkIn(mail, 'http://app.test/accept');
    const p = Object.fromEntries(link.searchParams);
    expect(p).toMatchObject({ membershipId: invited.$id, userId: invited.userId, teamId: team.$id, teamName: 'Crew' });

    const invitee = webUser(ledge);
    const inviteeTeams = new Teams(invitee.client);
    const accepted = await invitee.as(() =>
      inviteeTeams.updateMembershipStatus({ teamId: p.teamId, membershipId: p.membershipId, userId: p.userId, secret: p.secret }),
    );
    expect(accepted).toMatchObject({ $id: invited.$id, confirm: true, userId: invited.userId });
    expect(invitee.jar?.get(`a_session_${ledge.projectId}`)).toBeTruthy();
    expect(await invitee.as(() => invitee.account.get())).toMatchObject({ $id: invited.userId, email: inviteeEmail, emailVerification: true });

    // Both see the team; the outsider does not.
    expect((await owner.as(() => owner.teams.list())).teams.map((t) => t.$id)).toContain(team.$id);
    const theirs = await invitee.as(() => inviteeTeams.list());
    expect(theirs.teams.map((t) => t.$id)).toEqual([team.$id]);
    expect(theirs.teams[0].total).toBe(2);
    expect((await outsider.as(() => outsider.teams.list())).teams.map((t) => t.$id)).not.toContain(team.$id);
    expect(await refusal(outsider.as(() => outsider.teams.get({ teamId: team.$id })))).toMatchObject({ code: 404, type: 'team_not_found' });

    const members = await invitee.as(() => inviteeTeams.listMemberships({ teamId: team.$id }));
    expect(members.memberships.map((m) => m.userEmail).sort()).toEqual([owner.email, inviteeEmail].sort());

    // The member's roles include team:T: a JWT-authenticated server call and a team-only row show it.
    const { jwt } = await invitee.as(() => invitee.account.createJWT());
    const viaJwt = new ServerTeams(serverClient({ jwt }));
    expect((await viaJwt.get({ teamId: team.$id })).$id).toBe(team.$id);

    const row = await teamOnlyRow(team.$id);
    const readRow = (u: ReturnType<typeof webUser>) => u.as(() => new WebTablesDB(u.client).getRow(row));
    expect((await readRow(invitee)).text).toBe('for the team');
    const outsiderRead = await refusal(readRow(outsider));
    expect(outsiderRead).toMatchObject({ code: 404, type: 'row_not_found' });

    // A member who is not an owner cannot manage the team.
    expect(await refusal(invitee.as(() => inviteeTeams.updateName({ teamId: team.$id, name: 'Mine' })))).toMatchObject({ code: 401, type: 'user_unauthorized' });

    // Removal revokes at once: the session, the JWT and the row all stop working on the next call.
    await owner.as(() => owner.teams.deleteMembership({ teamId: team.$id, membershipId: invited.$id }));
    expect(await refusal(invitee.as(() => inviteeTeams.get({ teamId: team.$id })))).toMatchObject({ code: 404, type: 'team_not_found' });
    expect((await invitee.as(() => inviteeTeams.list())).total).toBe(0);
    expect(await refusal(viaJwt.get({ teamId: team.$id }))).toMatchObject({ code: 404, type: 'team_not_found' });
    const revoked = await refusal(readRow(invitee));
    expect({ code: revoked.code, type: revoked.type }).toEqual({ code: outsiderRead.code, type: outsiderRead.type });
    expect((await owner.as(() => owner.teams.get({ teamId: team.$id }))).total).toBe(1);
  });

  it('the server SDK manages teams with a key: members join at once, the last owner cannot leave others behind', async () => {
    const server = new ServerTeams(serverClient());
    const team = await server.create({ teamId: ID.unique(), name: 'Ops' });
    expect(team.total).toBe(0);

    const ann = await signedInUser('Ann');
    const bob = await signedInUser('Bob');
    const users = new Users(serverClient());
    const annId = (await users.list({ search: ann.email })).users[0].$id;
    const bobId = (await users.list({ search: bob.email })).users[0].$id;
    const annM = await server.createMembership({ teamId: team.$id, roles: ['owner'], userId: annId });
    const bobM = await server.createMembership({ teamId: team.$id, roles: ['dev'], userId: bobId });
    expect([annM.confirm, bobM.confirm]).toEqual([true, true]);
    expect((await server.get({ teamId: team.$id })).total).toBe(2);

    const left = await refusal(ann.as(() => ann.teams.deleteMembership({ teamId: team.$id, membershipId: annM.$id })));
    expect(left).toMatchObject({ code: 400, type: 'membership_deletion_prohibited' });

    await ann.as(() => ann.teams.updatePrefs({ teamId: team.$id, prefs: { tier: 'gold' } }));
    expect(await bob.as(() => bob.teams.getPrefs({ teamId: team.$id }))).toEqual({ tier: 'gold' });
    await bob.as(() => bob.teams.deleteMembership({ teamId: team.$id, membershipId: bobM.$id }));
    expect(await refusal(bob.as(() => bob.teams.get({ teamId: team.$id })))).toMatchObject({ type: 'team_not_found' });

    await ann.as(() => ann.teams.delete({ teamId: team.$id }));
    expect(await refusal(server.get({ teamId: team.$id }))).toMatchObject({ code: 404, type: 'team_not_found' });
  });
});
