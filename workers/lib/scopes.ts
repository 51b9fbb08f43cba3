/**
 * Scopes, as Appwrite names them. API keys carry the scopes they were given; signed-in users and
 * guests carry their role's fixed set (Appwrite's app/config/roles.php), so one `requireScope`
 * check serves every kind of caller.
 */
export const KEY_SCOPES = [
  'users.read', 'users.write', 'sessions.read', 'sessions.write', 'teams.read', 'teams.write',
  'databases.read', 'databases.write', 'tables.read', 'tables.write', 'columns.read', 'columns.write',
  'indexes.read', 'indexes.write', 'rows.read', 'rows.write', 'collections.read', 'collections.write',
  'attributes.read', 'attributes.write', 'documents.read', 'documents.write', 'buckets.read',
  'buckets.write', 'files.read', 'files.write', 'tokens.read', 'tokens.write', 'functions.read',
  'functions.write', 'executions.read', 'executions.write', 'execution.read', 'execution.write',
  'log.read', 'log.write', 'targets.read', 'targets.write', 'subscribers.read', 'subscribers.write',
  'topics.read', 'topics.write', 'messages.read', 'messages.write', 'providers.read', 'providers.write',
  'locale.read', 'avatars.read', 'health.read', 'keys.read', 'keys.write', 'webhooks.read',
  'webhooks.write', 'project.read', 'project.write', 'schedules.read', 'schedules.write',
  'presences.read', 'presences.write', 'mail.read',
] as const;

export type Scope = (typeof KEY_SCOPES)[number];

/** The root key has every scope. */
export const ROOT_SCOPES: ReadonlySet<string> = new Set(KEY_SCOPES);

export const GUEST_SCOPES: ReadonlySet<string> = new Set([
  'public', 'sessions.write', 'documents.read', 'documents.write', 'rows.read', 'rows.write',
  'files.read', 'files.write', 'locale.read', 'avatars.read', 'executions.write',
]);

export const USER_SCOPES: ReadonlySet<string> = new Set([
  'public', 'sessions.write', 'account', 'teams.read', 'teams.write', 'presences.read',
  'presences.write', 'documents.read', 'documents.write', 'rows.read', 'rows.write', 'files.read',
  'files.write', 'projects.read', 'locale.read', 'avatars.read', 'executions.read', 'executions.write',
  'targets.read', 'targets.write', 'subscribers.read', 'subscribers.write',
]);
