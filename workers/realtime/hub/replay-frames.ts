import { mayReceive } from '../../lib/permissions';
import { matchesPayload } from '../../lib/query';
import { toAppwriteDate } from '../../lib/time';
import { framePrefix, visiblePayload } from './deliver';
import type { ReplaySource } from './replay';
import type { HubStore, LiveSocket } from './store';

/**
 * Answers a replay request (Ledge extension) on one socket: every buffered message since `since`
 * that the socket's current subscriptions and roles would receive now, as `event` frames marked
 * `replay: true`, oldest first. `gap` says the buffer does not reach back to `since`: events may
 * have been lost (or were too many or too large to replay), so the client should refetch. The
 * window comes from the keeper (replay.ts); roles and subscriptions are this shard's, read after
 * it arrives.
 */
export async function deliverReplay(store: HubStore, source: ReplaySource, live: LiveSocket, since: number) {
  const { messages, omitted, coveredSince: covered } = await source(since);
  const roles = store.rolesOf(live);
  let replayed = 0;
  for (const msg of messages) {
    if (msg.roles.length === 0 || !mayReceive(roles, msg.roles)) continue;
    const ids = [...live.subs.values()]
      .filter((sub) => sub.channels.some((c) => msg.channels.includes(c)) && matchesPayload(sub.filter, msg.payload))
      .map((sub) => sub.id);
    if (ids.length === 0) continue;
    const view = visiblePayload(msg, roles);
    live.ws.send(`${framePrefix(msg, view.key ? view.json : JSON.stringify(msg.payload), true)}${JSON.stringify(ids)}}}`);
    replayed++;
  }
  return { since: toAppwriteDate(since), replayed, gap: omitted || since < covered, bufferStart: toAppwriteDate(covered) };
}
