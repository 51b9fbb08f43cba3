import { makeEvent, publishEvents, type LedgeEvent } from '../events/publish';

/**
 * Users-API events, named as Appwrite names them (`users.<id>.create`,
 * `users.<id>.update.email`, `users.<id>.sessions.<sid>.delete`, …) — the specific name only,
 * like the Account API's events; wildcard matching is the consumer's job. Realtime delivers them
 * to the user concerned (`user:<id>`), so payloads are models without password hashes.
 */
export function userEvent(name: string, userId: string, payload: Record<string, unknown>): LedgeEvent {
  return makeEvent([name], payload, [`user:${userId}`], userId);
}

/** Publishes after the write has committed, off the response path; a failed publish is logged. */
export function publishAfter(ctx: { waitUntil(promise: Promise<unknown>): void }, env: Env, events: LedgeEvent[]): void {
  ctx.waitUntil(publishEvents(env, events).catch((err) => console.error('publish failed', err)));
}
