import { makeEvent, type LedgeEvent } from '../events/event';
import { publishAfterCommit, type PublishContext } from '../events/publish';

/**
 * User events, named as Appwrite names them (`users.<id>.create`, `users.<id>.update.email`,
 * `users.<id>.sessions.<sid>.delete`, …) — the specific name only; wildcard matching is the
 * consumer's job (events/match.ts). Only the user concerned (`user:<id>`) may read them, so
 * payloads are models without password hashes. The Account and Users APIs both publish these.
 */
export function userEvent(name: string | string[], userId: string, payload: Record<string, unknown>): LedgeEvent {
  return makeEvent(Array.isArray(name) ? name : [name], payload, [`user:${userId}`], userId);
}

/** Publishes a user event after the write has committed. */
export function publishUserEvent(c: PublishContext, name: string | string[], payload: Record<string, unknown>, userId: string): void {
  publishAfterCommit(c, [userEvent(name, userId, payload)]);
}
