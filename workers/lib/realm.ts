import type { Config } from './config';

/**
 * Whose accounts an identity operation works on. `project`: the project's own users (the Account,
 * Users and Teams APIs). `console`: Ledge's administrators (appwrite-cli login against project
 * `console`), kept apart from project users. The identity layer (workers/identity) takes a realm
 * wherever the two differ — today the session cookie's name and session lifetime; the admin realm
 * adds its own stores behind the same functions rather than copying them.
 */
export interface Realm {
  kind: 'project' | 'console';
  /** Names the session cookie `a_session_<id>` (Appwrite's): the project id, or `console`. */
  id: string;
  /** Seconds a session lives, and sessions kept per account (the oldest is dropped). */
  sessionDuration: number;
  sessionLimit: number;
}

export function projectRealm(config: Pick<Config, 'projectId' | 'sessionDuration' | 'sessionLimit'>): Realm {
  return { kind: 'project', id: config.projectId, sessionDuration: config.sessionDuration, sessionLimit: config.sessionLimit };
}
