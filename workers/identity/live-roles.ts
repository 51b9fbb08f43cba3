import { users } from '../db/schema';
import { rawReader } from '../lib/d1';
import { userRoles } from '../lib/principal';
import { nowDate } from '../lib/time';
import { roleSubject } from './users';

/**
 * What a user may see right now, for holders of long-lived connections (realtime sockets) whose
 * roles must follow every change: the roles `userRoles` names from the stored user and its
 * confirmed memberships, and the sessions still alive. `null`: the user is gone or blocked, so
 * every connection of theirs must end.
 */
/** `sessions`: each live session's id and when it expires (Unix ms). */
export type LiveRoles = { roles: string[]; sessions: Record<string, number> } | null;

const userReader = rawReader(users);

/** Reads the live roles of `userIds` in one D1 round trip (three statements, ids as one JSON parameter). */
export async function liveRoles(db: D1Database, userIds: readonly string[]): Promise<Map<string, LiveRoles>> {
  const out = new Map<string, LiveRoles>();
  if (userIds.length === 0) return out;
  const ids = JSON.stringify([...new Set(userIds)]);
  const [userRes, membershipRes, sessionRes] = await db.batch<Record<string, unknown>>([
    db.prepare(`${userReader.select} WHERE id IN (SELECT value FROM json_each(?))`).bind(ids),
    db.prepare('SELECT id, team_id AS teamId, user_id AS userId, roles FROM memberships WHERE confirm = 1 AND user_id IN (SELECT value FROM json_each(?))').bind(ids),
    db.prepare('SELECT id, user_id AS userId, expire FROM sessions WHERE expire > ? AND user_id IN (SELECT value FROM json_each(?))').bind(nowDate(), ids),
  ]);
  for (const id of JSON.parse(ids) as string[]) out.set(id, null);
  for (const raw of userRes.results) {
    const user = userReader.decode(raw);
    if (!user.status) continue;
    const memberships = membershipRes.results
      .filter((m) => m.userId === user.id)
      .map((m) => ({ id: String(m.id), teamId: String(m.teamId), roles: JSON.parse(String(m.roles)) as string[] }));
    const sessions = Object.fromEntries(sessionRes.results.filter((s) => s.userId === user.id).map((s) => [String(s.id), Date.parse(String(s.expire))]));
    out.set(user.id, { roles: userRoles(roleSubject(user, memberships)), sessions });
  }
  return out;
}
