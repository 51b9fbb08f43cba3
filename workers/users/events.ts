import { makeEvent, type LedgeEvent } from '../events/event';

/**
 * Users-API events, named as Appwrite names them (`users.<id>.create`,
 * `users.<id>.update.email`, `users.<id>.sessions.<sid>.delete`, …) — the specific name only,
 * like the Account API's events; wildcard matching is the consumer's job. Realtime delivers them
 * to the user concerned (`user:<id>`), so payloads are models without password hashes.
 */
export function userEvent(name: string, userId: string, payload: Record<string, unknown>): LedgeEvent {
  return makeEvent([name], payload, [`user:${userId}`], userId);
}
