import type { Config } from './config';

/**
 * Whose accounts an identity operation works on. `project`: the project's own users (the Account,
 * Users and Teams APIs). `console`: Ledge's administrators (appwrite-cli login against project
 * `console`), kept apart from project users in their own table (`console_admins`). The identity
 * layer takes a realm wherever the two differ: the session cookie's name, session lifetime and
 * limit, and whose id a session row is filed under (`sessionOwner`).
 */
export interface Realm {
  kind: 'project' | 'console';
  /** Names the session cookie `a_session_<id>` (Appwrite's): the project id, or `console`. */
  id: string;
  /** Seconds a session lives, and sessions kept per account (the oldest is dropped). */
  sessionDuration: number;
  sessionLimit: number;
}

/** The project id that addresses the admin realm (Appwrite's console project). */
export const CONSOLE_PROJECT = 'console';

export function projectRealm(config: Pick<Config, 'projectId' | 'sessionDuration' | 'sessionLimit'>): Realm {
  return { kind: 'project', id: config.projectId, sessionDuration: config.sessionDuration, sessionLimit: config.sessionLimit };
}

/** Admin sessions: Appwrite's console defaults (one year, ten per account); project policies do not apply. */
export const consoleRealm: Realm = { kind: 'console', id: CONSOLE_PROJECT, sessionDuration: 31_536_000, sessionLimit: 10 };

/**
 * The `sessions.user_id` a realm files an account's sessions under. Admin sessions share the
 * sessions table with users' under `console:<admin id>`: custom ids allow no colon, so no user id
 * can name an admin's session (a project cookie carrying such an id finds no user and is a guest).
 */
export function sessionOwner(realm: Pick<Realm, 'kind'>, accountId: string): string {
  return realm.kind === 'console' ? `console:${accountId}` : accountId;
}
