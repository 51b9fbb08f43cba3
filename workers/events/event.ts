import { uniqueId } from '../lib/ids';
import { nowDate } from '../lib/time';

/**
 * One domain event, as every sink and handler sees it. `events` holds every name the change is
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
  /**
   * Parts of the payload that only some of `roles` may read — a related row embedded in a row
   * (Appwrite PR #10590's leak): realtime removes the value at `path` for a receiver holding none
   * of that part's `roles`. The publisher computes them with the one permission evaluator.
   */
  hidden?: { path: (string | number)[]; roles: string[] }[];
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

/** Payloads travel as JSON (queue messages): an int64 beyond 2^53 becomes the nearest number. */
export function jsonSafe(model: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(model, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))) as Record<string, unknown>;
}
