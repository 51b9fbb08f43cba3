import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { authenticatedUser } from '../identity/authenticate';
import { withQuery } from '../http/redirects';
import { startSession } from '../identity/issue';
import { makeEvent } from '../events/event';
import { publishAfterCommit } from '../events/publish';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { customIdParam, emailParam, listParams, nameParam, phoneParam, secretParam } from '../lib/validator';
import { body, query } from '../http/body';
import { mailerFor } from '../mail/mailer';
import { invitationMail } from '../mail/templates';
import { redirectParam } from '../middleware/cors';
import { requireScope } from '../middleware/principal';
import { rateLimit } from '../middleware/rate-limit';
import { acceptanceStatements, checkAcceptance, invite } from './invites';
import {
  assertCanChangeTeam, assertCanDeleteMembership, assertCanInvite, assertCanReadTeam, assertCanUpdateRoles,
  assertOwnerRemainsAfterDelete, assertOwnerRemainsAfterRoleChange, isKey, membershipPrivacy, readableTeamIds,
} from './rules';
import {
  createTeam, deleteMembership, deleteTeam, findMembership, getMembership, getTeam, listMemberships, listTeams,
  membershipModel, ownerCensus, renameTeam, runBatch, teamModel, updateMembershipRoles, updateTeamPrefs,
  type MemberView, type TeamRow,
} from '../identity/teams';

type C = Context<AppEnv>;

/** Appwrite's Key validator: what a role name may look like. */
const roleName = (max: number) => z.string().max(max).regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, `Value must be a valid key of at most ${max} chars`);
const teamName = z.string().min(1).max(128);
const prefsParam = z
  .record(z.string(), z.unknown())
  .refine((v) => !Array.isArray(v) && JSON.stringify(v).length <= 65535, 'Value must be a valid object of at most 65535 characters');

/** Events go out after the write commits; a team's events are for its members (and the invitee). */
function emit(c: C, names: string[], payload: Record<string, unknown>, roles: string[]) {
  const p = c.get('principal');
  const event = makeEvent(names, payload, roles, p.kind === 'user' ? p.userId : undefined);
  publishAfterCommit(c, [event]);
}

const teamEvent = (c: C, team: TeamRow, action: string) =>
  emit(c, [`teams.${team.id}.${action}`], teamModel(team), [`team:${team.id}`]);

const memberEvent = (c: C, view: MemberView, teamName: string, action: string) =>
  emit(
    c,
    [`teams.${view.membership.teamId}.memberships.${view.membership.id}.${action}`],
    membershipModel(view, teamName, { userAccessedAt: false }),
    [`team:${view.membership.teamId}`, `user:${view.membership.userId}`],
  );

/** The team, if the caller may read it (others are told it does not exist). */
async function readableTeam(c: C, teamId: string): Promise<TeamRow> {
  assertCanReadTeam(c.get('principal'), teamId);
  return getTeam(c.env.DB, teamId);
}

/** `/v1/teams`: Appwrite's Teams service, for signed-in users (their teams) and API keys (all). */
export const teamRoutes = new Hono<AppEnv>()
  .get('/', requireScope('teams.read'), query(listParams), async (c) =>
    c.json(await listTeams(c.env.DB, readableTeamIds(c.get('principal')), c.req.valid('query'))),
  )
  .post(
    '/',
    requireScope('teams.write'),
    body(z.object({ teamId: z.string(), name: teamName, roles: z.array(roleName(36)).max(100).optional() })),
    async (c) => {
      const input = c.req.valid('json');
      const p = c.get('principal');
      // An API key creates an empty team, as in Appwrite; a user becomes its first (owner) member.
      const creator = p.kind === 'user' ? { userId: p.userId, roles: [...new Set(input.roles ?? ['owner'])] } : undefined;
      const { team } = await createTeam(c.env.DB, { id: resolveId(input.teamId, 'teamId'), name: input.name, creator });
      teamEvent(c, team, 'create');
      return c.json(teamModel(team), 201);
    },
  )
  .get('/:teamId', requireScope('teams.read'), async (c) => c.json(teamModel(await readableTeam(c, c.req.param('teamId')))))
  .put('/:teamId', requireScope('teams.write'), body(z.object({ name: teamName })), async (c) => {
    const teamId = c.req.param('teamId');
    await readableTeam(c, teamId);
    assertCanChangeTeam(c.get('principal'), teamId);
    const team = await renameTeam(c.env.DB, teamId, c.req.valid('json').name);
    teamEvent(c, team, 'update');
    return c.json(teamModel(team));
  })
  .delete('/:teamId', requireScope('teams.write'), async (c) => {
    const teamId = c.req.param('teamId');
    await readableTeam(c, teamId);
    assertCanChangeTeam(c.get('principal'), teamId);
    const team = await deleteTeam(c.env.DB, teamId);
    teamEvent(c, team, 'delete');
    return c.body(null, 204);
  })
  .get('/:teamId/prefs', requireScope('teams.read'), async (c) => c.json((await readableTeam(c, c.req.param('teamId'))).prefs))
  .put('/:teamId/prefs', requireScope('teams.write'), body(z.object({ prefs: prefsParam })), async (c) => {
    const teamId = c.req.param('teamId');
    await readableTeam(c, teamId);
    assertCanChangeTeam(c.get('principal'), teamId);
    const team = await updateTeamPrefs(c.env.DB, teamId, c.req.valid('json').prefs);
    emit(c, [`teams.${team.id}.update.prefs`], teamModel(team), [`team:${team.id}`]);
    return c.json(team.prefs);
  })
  .get('/:teamId/memberships', requireScope('teams.read'), query(listParams), async (c) => {
    const team = await readableTeam(c, c.req.param('teamId'));
    const { rows, total } = await listMemberships(c.env.DB, team.id, c.req.valid('query'));
    const privacy = membershipPrivacy(c.get('principal'));
    return c.json({ total, memberships: rows.map((v) => membershipModel(v, team.name, privacy)) });
  })
  .post(
    '/:teamId/memberships',
    requireScope('teams.write'),
    rateLimit({ limit: 10 }),
    body(
      z.object({
        email: z.union([z.literal(''), emailParam]).optional(),
        userId: customIdParam.optional(),
        phone: z.union([z.literal(''), phoneParam]).optional(),
        roles: z.array(roleName(81)).max(100),
        url: z.string().max(2048).optional(),
        name: nameParam.optional(),
      }),
    ),
    async (c) => {
      const input = c.req.valid('json');
      const p = c.get('principal');
      const teamId = c.req.param('teamId');
      const byKey = isKey(p);
      if (!input.url && !byKey) throw new ApiError('general_argument_invalid', 'URL is required');
      const redirect = input.url ? redirectParam('url', input.url, c.get('config')) : null;
      const team = await readableTeam(c, teamId);
      assertCanInvite(p, teamId);
      const { view, secret } = await invite(c.env.DB, { team, ...input, roles: [...new Set(input.roles)], byKey });

      if (secret && redirect && view.user?.email) {
        const link = withQuery(redirect.toString(), { membershipId: view.membership.id, userId: view.membership.userId, secret, teamId: team.id, teamName: team.name });
        const config = c.get('config');
        const inviter = p.kind === 'user' ? authenticatedUser(p)?.name ?? '' : '';
        await mailerFor(c.env, config).send(
          invitationMail({ to: view.user.email, name: view.user.name, owner: inviter, team: team.name, project: config.projectName, url: link }),
        );
      }
      memberEvent(c, view, team.name, 'create');
      return c.json(membershipModel(view, team.name, membershipPrivacy(p)), 201);
    },
  )
  .get('/:teamId/memberships/:membershipId', requireScope('teams.read'), async (c) => {
    const team = await readableTeam(c, c.req.param('teamId'));
    const view = await getMembership(c.env.DB, team.id, c.req.param('membershipId'));
    return c.json(membershipModel(view, team.name, membershipPrivacy(c.get('principal'))));
  })
  .patch(
    '/:teamId/memberships/:membershipId',
    requireScope('teams.write'),
    body(z.object({ roles: z.array(roleName(81)).max(100) })),
    async (c) => {
      const p = c.get('principal');
      const team = await readableTeam(c, c.req.param('teamId'));
      const view = await getMembership(c.env.DB, team.id, c.req.param('membershipId'));
      if (!view.user) throw new ApiError('user_not_found');
      assertCanUpdateRoles(p, team.id);
      const roles = [...new Set(c.req.valid('json').roles)];
      assertOwnerRemainsAfterRoleChange(view.membership, roles, await ownerCensus(c.env.DB, team.id));
      const updated: MemberView = { membership: await updateMembershipRoles(c.env.DB, view.membership.id, roles), user: view.user };
      memberEvent(c, updated, team.name, 'update');
      return c.json(membershipModel(updated, team.name, membershipPrivacy(p)));
    },
  )
  .patch(
    '/:teamId/memberships/:membershipId/status',
    requireScope('public'),
    body(z.object({ userId: customIdParam, secret: secretParam })),
    async (c) => {
      const input = c.req.valid('json');
      const p = c.get('principal');
      // Anyone holding the secret may accept: the team is looked up without the caller's roles.
      const found = await findMembership(c.env.DB, c.req.param('membershipId'));
      if (!found) throw new ApiError('membership_not_found');
      const team = await getTeam(c.env.DB, c.req.param('teamId'));
      if (found.membership.teamId !== team.id) throw new ApiError('team_membership_mismatch');
      const signedIn = p.kind === 'user' ? p.userId : null;
      const user = await checkAcceptance(found, { ...input, signedInUserId: signedIn });

      const statements = acceptanceStatements(c.env.DB, found);
      if (signedIn) await runBatch(c.env.DB, statements);
      // Accepting signs the invitee in, as Appwrite does: the invitation proved they own the address.
      else await startSession(c, user, { provider: 'email', providerUid: user.email ?? '', factors: ['email'], before: statements });

      const view = (await findMembership(c.env.DB, found.membership.id)) ?? found;
      memberEvent(c, view, team.name, 'update.status');
      return c.json(membershipModel(view, team.name, membershipPrivacy(p)));
    },
  )
  .delete('/:teamId/memberships/:membershipId', requireScope('teams.write'), async (c) => {
    const p = c.get('principal');
    const found = await findMembership(c.env.DB, c.req.param('membershipId'));
    if (!found) throw new ApiError('team_invite_not_found');
    const team = await readableTeam(c, c.req.param('teamId'));
    if (found.membership.teamId !== team.id) throw new ApiError('team_membership_mismatch');
    assertCanDeleteMembership(p, team.id, found.membership);
    assertOwnerRemainsAfterDelete(found.membership, await ownerCensus(c.env.DB, team.id));
    await deleteMembership(c.env.DB, found.membership);
    memberEvent(c, found, team.name, 'delete');
    return c.body(null, 204);
  });
