import type { LedgeEvent } from '../events/event';
import { eventMatches, expandEventNames } from '../events/match';
import type { AfterCommitSink } from '../events/publish';
import { liveRoles } from '../identity/live-roles';
import { readConfig } from '../lib/config';
import { eventChannels } from './channels';
import type { HubBatch, HubMessage, RoleUpdate } from './hub/types';
import { heard, listenersProbe } from './hub/listeners';
import { allShards, KEEPER, shard } from './shards';

/**
 * Realtime delivery, as an after-commit sink (events/publish.ts): each request's committed events
 * go to the replay keeper (shard 0) in one RPC, inside `waitUntil`, never through the queue and
 * never on the response path; the keeper forwards them to the shards holding sockets. Generic
 * over LedgeEvent: channels come from the event name (channels.ts), the ACL from the roles the
 * publisher computed.
 *
 * Identity events also change who listens: a user whose roles may have moved (labels,
 * verification, status, sessions, memberships) gets fresh roles and live sessions from D1, sent
 * in the same RPC ahead of the messages; a blocked or deleted user's sockets and a deleted
 * session's sockets close. A deleted team first asks the shards who held its role.
 */
export function hubMessage(event: LedgeEvent): HubMessage | null {
  const name = event.events[0] ?? '';
  const channels = eventChannels(name);
  if (channels.length === 0 || event.roles.length === 0) return null;
  return {
    id: event.id,
    events: [...new Set([...expandEventNames(name), ...event.events])],
    channels,
    roles: event.roles,
    timestamp: event.time,
    payload: event.payload,
    ...(event.hidden?.length ? { hidden: event.hidden } : {}),
  };
}

/** User events that cannot change a user's roles or sessions. */
const ROLE_NEUTRAL = [
  'users.*.create', 'users.*.update.name', 'users.*.update.prefs', 'users.*.tokens.*', 'users.*.challenges.*',
  'users.*.identities.*', 'users.*.recovery.*.create', 'users.*.verification.*.create',
];

/** Whose roles an event may have changed: users by id, and holders of a deleted team's role. */
export function affectedBy(events: readonly LedgeEvent[]): { users: Set<string>; roles: string[] } {
  const users = new Set<string>();
  const roles: string[] = [];
  for (const event of events) {
    const name = event.events[0] ?? '';
    const [resource, id] = name.split('.');
    if (resource === 'users' && id && !ROLE_NEUTRAL.some((p) => eventMatches(p, name))) users.add(id);
    else if (eventMatches('teams.*.memberships.*', name) && typeof event.payload.userId === 'string') users.add(event.payload.userId);
    else if (eventMatches('teams.*.delete', name) && id) roles.push(`team:${id}`);
  }
  return { users, roles };
}

async function roleUpdates(env: Env, userIds: string[]): Promise<RoleUpdate[]> {
  const live = await liveRoles(env.DB, userIds);
  return [...live].map(([userId, state]) =>
    state ? { userId, roles: state.roles, sessions: state.sessions } : { userId, ended: 'The user is no longer active.' },
  );
}

export async function deliverRealtime(env: Env, events: LedgeEvent[]): Promise<void> {
  const messages = events.map(hubMessage).filter((m): m is HubMessage => m !== null);
  const affected = affectedBy(events);
  if (affected.roles.length) {
    const shards = allShards(env, readConfig(env).realtimeShards);
    for (const held of await Promise.all(shards.map((s) => s.usersHolding(affected.roles)))) for (const u of held) affected.users.add(u);
  }
  const batch: HubBatch = { messages };
  if (affected.users.size) batch.updates = await roleUpdates(env, [...affected.users]);
  if (messages.length === 0 && !batch.updates?.length) return;
  // The keeper records first, then forwards to the shards holding sockets (hub/occupancy.ts), so no
  // shard can send an event the replay window lacks (hub/replay.ts).
  await shard(env, KEEPER).broadcast(batch);
}

/**
 * A write that probed (events/publish.ts `commitProbes`) and found that no socket could hear it,
 * nor ask for its replay, publishes nothing (hub/listeners.ts).
 */
export const realtimeSink: AfterCommitSink = {
  name: 'realtime',
  probe: (env) => listenersProbe(env.DB, readConfig(env).realtimeReplaySeconds * 1000),
  deliver: (env, events, probed) => (heard(probed) ? deliverRealtime(env, events) : Promise.resolve()),
};
