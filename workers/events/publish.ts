import { uniqueId } from '../lib/ids';
import { nowDate } from '../lib/time';

/**
 * One domain event as it travels on the EVENTS queue. `events` holds every name the change is
 * known by (Appwrite emits the specific and the wildcard-free aliases, e.g. both the tablesdb and
 * the legacy databases names); `roles` is who may read the payload (realtime ACL, function triggers).
 */
export interface LedgeEvent {
  id: string;
  events: string[];
  payload: Record<string, unknown>;
  roles: string[];
  userId?: string;
  time: string;
}

export function makeEvent(events: string[], payload: Record<string, unknown>, roles: string[], userId?: string): LedgeEvent {
  return { id: uniqueId(), events, payload, roles, userId, time: nowDate() };
}

export function isLedgeEvent(value: unknown): value is LedgeEvent {
  const v = value as LedgeEvent;
  return (
    !!v && typeof v === 'object' && typeof v.id === 'string' && Array.isArray(v.events) &&
    v.events.every((e) => typeof e === 'string') && typeof v.payload === 'object' && v.payload !== null &&
    Array.isArray(v.roles) && typeof v.time === 'string'
  );
}

/**
 * Queues events after their write has committed. Queue messages are capped at 128 KB; a payload
 * over ~100 KB is sent without its body (consumers refetch by id) rather than failing the write.
 */
export async function publishEvents(env: Env, events: LedgeEvent[]): Promise<void> {
  if (events.length === 0) return;
  const messages = events.map((e) => {
    const size = JSON.stringify(e).length;
    const body = size > 100_000 ? { ...e, payload: { $id: e.payload.$id ?? null, truncated: true } } : e;
    return { body, contentType: 'json' as const };
  });
  for (let i = 0; i < messages.length; i += 100) await env.EVENTS.sendBatch(messages.slice(i, i + 100));
}
