import { publishAfterCommit } from '../../events/publish';
import { findUser } from '../../identity/users';
import { ApiError } from '../../lib/errors';
import { resolveId } from '../../lib/ids';
import { resolveItemPermissions } from '../../lib/permissions-container';
import type { UserPrincipal } from '../../lib/principal';
import { USER_SCOPES } from '../../lib/scopes';
import { toAppwriteDate } from '../../lib/time';
import { deletePresences, findPresence, mayAccess, PRESENCE_ACTIONS, presenceEvent, presenceModel, upsertPresence } from '../presence-store';
import type { HubContext } from './frames';
import type { LiveSocket } from './store';

/**
 * Appwrite 1.9's `presence` frame (src/Appwrite/Realtime/Message/Handlers/Presence.php):
 * `{status, presenceId?, permissions?, metadata?}` upserts the socket user's presence (source
 * `realtime`, expiring in 30 days unless refreshed), publishes `presences.<id>.upsert`, and
 * answers `{to: 'presence', presence}`. The presence ends when the socket closes.
 */
const formatInvalid = (message: string) => new ApiError('realtime_message_format_invalid', message);

function fields(data: unknown) {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw formatInvalid('Payload is not valid. Status is required');
  const { status, presenceId, metadata, permissions } = data as Record<string, unknown>;
  if (status === undefined) throw formatInvalid('Payload is not valid. Status is required');
  if (typeof status !== 'string' || status.length > 2048) throw formatInvalid('status: Value must be a valid string and no longer than 2048 chars');
  if (presenceId !== undefined && (typeof presenceId !== 'string' || presenceId.length > 36)) throw formatInvalid('presenceId: Value must be a valid string and no longer than 36 chars');
  if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata) || JSON.stringify(metadata).length > 65_535)) {
    throw formatInvalid('metadata: Value must be a valid JSON object');
  }
  if (permissions !== undefined && permissions !== null && (!Array.isArray(permissions) || permissions.length > 100 || !permissions.every((p) => typeof p === 'string'))) {
    throw formatInvalid('permissions: Value must be an array of at most 100 permission strings');
  }
  return { status, presenceId: (presenceId as string | undefined) ?? 'unique()', metadata: (metadata as Record<string, unknown> | null) ?? {}, permissions: (permissions as string[] | null) ?? null };
}

export async function presenceFrame(ctx: HubContext, live: LiveSocket, data: unknown): Promise<Record<string, unknown>> {
  const input = fields(data);
  const userId = live.att.user;
  if (!userId) throw new ApiError('user_unauthorized', 'User must be authorized');
  if (!(await findUser(ctx.env.DB, userId))) throw new ApiError('user_not_found');
  const principal: UserPrincipal = {
    kind: 'user', userId, sessionId: live.att.session ?? '', via: 'session', mfaPending: false, roles: [...ctx.store.rolesOf(live)], scopes: USER_SCOPES,
  };
  const permissions = resolveItemPermissions(principal, input.permissions, null, PRESENCE_ACTIONS);
  const presenceId = resolveId(input.presenceId, 'presenceId');
  const existing = await findPresence(ctx.env.DB, presenceId);
  if (existing && existing.userId === userId && !mayAccess(principal, existing, 'update')) throw new ApiError('user_unauthorized');
  const row = await upsertPresence(ctx.env.DB, presenceId, {
    userId, status: input.status, source: 'realtime', expiresAt: toAppwriteDate(Date.now() + 30 * 86_400_000), metadata: input.metadata, permissions,
  });
  if (ctx.store.get(live.att.id)) ctx.store.trackPresence(live.att.id, row.id);
  publishAfterCommit(ctx, [presenceEvent(row, 'upsert')]);
  return { type: 'response', data: { to: 'presence', presence: presenceModel(row) } };
}

/** Deletes the presences a closed socket opened and announces each one that still existed. */
export async function endPresences(ctx: HubContext, presenceIds: string[]): Promise<void> {
  try {
    const deleted = await deletePresences(ctx.env.DB, presenceIds);
    publishAfterCommit(ctx, deleted.map((row) => presenceEvent(row, 'delete')));
  } catch (err) {
    console.error('[realtime] presence cleanup failed', err);
  }
}
