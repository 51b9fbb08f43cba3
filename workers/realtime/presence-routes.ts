import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { publishAfterCommit } from '../events/publish';
import { body, query } from '../http/body';
import { findUser } from '../identity/users';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { resolveItemPermissions } from '../lib/permissions-container';
import type { Principal } from '../lib/principal';
import { boolParam, customIdParam, intParam, queriesParam } from '../lib/validator';
import { requireScope } from '../middleware/principal';
import {
  deletePresences, expiryWithin30Days, findPresence, isLive, listPresences, mayAccess, PRESENCE_ACTIONS, presenceEvent,
  presenceModel, updatePresence, upsertPresence, type PresenceRow,
} from './presence-store';

type C = Context<AppEnv>;

/** Appwrite's `Text(Database::LENGTH_KEY)` status and JSON-object metadata. */
const statusParam = z.string().max(255);
const metadataParam = z
  .record(z.string(), z.unknown())
  .refine((v) => !Array.isArray(v) && JSON.stringify(v).length <= 65_535, 'Value must be a valid JSON object of at most 65535 characters');
const permissionsParam = z.array(z.string()).max(100);
/** Appwrite's list parameters for presences (no `search`); `ttl` is accepted, and nothing is cached. */
const presenceListParams = z
  .object({ queries: queriesParam, total: boolParam.optional(), ttl: intParam.pipe(z.number().min(0).max(86_400)).optional() })
  .transform((q) => ({ queries: q.queries ?? [], total: q.total !== false }));

/** A REST caller acts for itself; only an API key names another user (`userId`). */
async function targetUser(c: C, userId: string | undefined): Promise<string> {
  const p = c.get('principal');
  if (userId && p.kind !== 'key') throw new ApiError('general_unauthorized_scope', 'userId is not allowed for non-API key and non-privileged users');
  if (p.kind === 'key') {
    if (!userId) throw new ApiError('general_bad_request', 'userId is required for API key authentication');
    if (!(await findUser(c.env.DB, userId))) throw new ApiError('user_not_found');
    return userId;
  }
  if (p.kind !== 'user') throw new ApiError('user_unauthorized');
  return p.userId;
}

/** Permissions as Appwrite's presence state sets them: the caller's, or its user's own by default. */
function permissionsFor(p: Principal, requested: string[] | undefined, owner: string) {
  if (requested === undefined && p.kind === 'key') return PRESENCE_ACTIONS.map((action) => ({ action, role: `user:${owner}` }));
  return resolveItemPermissions(p, requested, null, PRESENCE_ACTIONS);
}

/** The presence, live and readable by the caller, or `presence_not_found`. */
async function readable(c: C, id: string): Promise<PresenceRow> {
  const row = await findPresence(c.env.DB, id);
  if (!row || !isLive(row) || !mayAccess(c.get('principal'), row, 'read')) throw new ApiError('presence_not_found');
  return row;
}

function assertMay(c: C, row: PresenceRow, action: 'update' | 'delete') {
  if (!mayAccess(c.get('principal'), row, action)) throw new ApiError('user_unauthorized', `Missing "${action}" permission for presence "${row.id}".`);
}

/** `/v1/presences`: Appwrite 1.9's presence service, as node-appwrite and the web SDK call it. */
export const presenceRoutes = new Hono<AppEnv>()
  .get('/', requireScope('presences.read'), query(presenceListParams), async (c) =>
    c.json(await listPresences(c.env.DB, c.get('principal'), c.req.valid('query'))),
  )
  .get('/:presenceId', requireScope('presences.read'), async (c) => c.json(presenceModel(await readable(c, c.req.param('presenceId')))))
  .put(
    '/:presenceId',
    requireScope('presences.write'),
    body(z.object({ userId: customIdParam.optional(), status: statusParam, permissions: permissionsParam.optional(), expiresAt: z.string().optional(), metadata: metadataParam.optional() })),
    async (c) => {
      const input = c.req.valid('json');
      const presenceId = resolveId(c.req.param('presenceId'), 'presenceId');
      const userId = await targetUser(c, input.userId);
      const permissions = permissionsFor(c.get('principal'), input.permissions, userId);
      const expiresAt = expiryWithin30Days(input.expiresAt, 15 * 60);
      const existing = await findPresence(c.env.DB, presenceId);
      if (existing && existing.userId === userId) assertMay(c, existing, 'update');
      const row = await upsertPresence(c.env.DB, presenceId, { userId, status: input.status, source: 'rest', expiresAt, metadata: input.metadata ?? {}, permissions });
      publishAfterCommit(c, [presenceEvent(row, 'upsert')]);
      return c.json(presenceModel(row));
    },
  )
  .patch(
    '/:presenceId',
    requireScope('presences.write'),
    body(
      z.object({
        userId: customIdParam.optional(), status: statusParam.optional(), expiresAt: z.string().optional(), metadata: metadataParam.optional(),
        permissions: permissionsParam.optional(), purge: boolParam.optional(),
      }),
    ),
    async (c) => {
      const input = c.req.valid('json');
      const p = c.get('principal');
      if (input.userId && p.kind !== 'key') throw new ApiError('general_unauthorized_scope', 'userId is not allowed for non-API key and non-privileged users');
      const row = await readable(c, c.req.param('presenceId'));
      assertMay(c, row, 'update');
      if (input.userId && !(await findUser(c.env.DB, input.userId))) throw new ApiError('user_not_found');
      const owner = input.userId ?? row.userId;
      const permissions = input.permissions !== undefined
        ? resolveItemPermissions(p, input.permissions, null, PRESENCE_ACTIONS)
        : input.userId && input.userId !== row.userId ? permissionsFor(p, undefined, owner) : undefined;
      const patch = {
        ...(input.userId ? { userId: input.userId } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...(input.expiresAt !== undefined ? { expiresAt: expiryWithin30Days(input.expiresAt, 0) } : {}),
        ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
        ...(permissions ? { permissions } : {}),
      };
      if (Object.keys(patch).length === 0) return c.json(presenceModel(row));
      const updated = await updatePresence(c.env.DB, row, patch);
      publishAfterCommit(c, [presenceEvent(updated, 'update')]);
      return c.json(presenceModel(updated));
    },
  )
  .delete('/:presenceId', requireScope('presences.write'), async (c) => {
    const row = await findPresence(c.env.DB, c.req.param('presenceId'));
    if (!row || !mayAccess(c.get('principal'), row, 'read')) throw new ApiError('presence_not_found');
    assertMay(c, row, 'delete');
    const [deleted] = await deletePresences(c.env.DB, [row.id]);
    if (deleted) publishAfterCommit(c, [presenceEvent(deleted, 'delete')]);
    return c.body(null, 204);
  });
