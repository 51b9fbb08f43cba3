/**
 * Ledge's system tables (drizzle-orm). User tables created through the Databases API are not
 * here: they are real SQLite tables made at run time (see workers/databases).
 * Times are stored as Appwrite datetime strings (lib/time.ts) so they sort and compare lexically.
 * JSON columns hold arrays/objects; booleans are 0/1 integers.
 */
import { sqliteTable, text, integer, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();
const bool = (name: string) => integer(name, { mode: 'boolean' });

/** API keys other than the root key. Only a SHA-256 of the secret is kept. */
export const keys = sqliteTable(
  'keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    scopes: json<string[]>('scopes').notNull(),
    secretHash: text('secret_hash').notNull(),
    expire: text('expire'),
    accessedAt: text('accessed_at'),
    sdks: json<string[]>('sdks').notNull().default([]),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('keys_secret_hash').on(t.secretHash)],
);

export const users = sqliteTable(
  'users',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    name: text('name').notNull().default(''),
    email: text('email'),
    phone: text('phone'),
    status: bool('status').notNull().default(true),
    labels: json<string[]>('labels').notNull().default([]),
    prefs: json<Record<string, unknown>>('prefs').notNull().default({}),
    emailVerification: bool('email_verification').notNull().default(false),
    phoneVerification: bool('phone_verification').notNull().default(false),
    mfa: bool('mfa').notNull().default(false),
    /** Hash algorithm name as Appwrite reports it: pbkdf2 (native), argon2, bcrypt, md5, sha, phpass, scrypt, scryptMod. */
    hash: text('hash'),
    hashOptions: json<Record<string, unknown>>('hash_options'),
    password: text('password'),
    passwordUpdate: text('password_update'),
    registration: text('registration').notNull(),
    accessedAt: text('accessed_at'),
    /** Space-joined id, name, email and phone for `search`. */
    search: text('search').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('users_id').on(t.id),
    uniqueIndex('users_email').on(t.email),
    uniqueIndex('users_phone').on(t.phone),
    index('users_created_at').on(t.createdAt),
  ],
);

export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    secretHash: text('secret_hash').notNull(),
    provider: text('provider').notNull(),
    providerUid: text('provider_uid').notNull().default(''),
    providerAccessToken: text('provider_access_token').notNull().default(''),
    providerAccessTokenExpiry: text('provider_access_token_expiry').notNull().default(''),
    providerRefreshToken: text('provider_refresh_token').notNull().default(''),
    ip: text('ip').notNull().default(''),
    userAgent: text('user_agent').notNull().default(''),
    countryCode: text('country_code').notNull().default('--'),
    factors: json<string[]>('factors').notNull().default([]),
    mfaUpdatedAt: text('mfa_updated_at').notNull().default(''),
    expire: text('expire').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('sessions_user').on(t.userId, t.createdAt), index('sessions_expire').on(t.expire)],
);

/** One-time secrets: email OTP, magic URL, recovery, verification, generic session tokens, invites. */
export const tokens = sqliteTable(
  'tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    type: text('type').notNull(),
    secretHash: text('secret_hash').notNull(),
    phrase: text('phrase').notNull().default(''),
    ip: text('ip').notNull().default(''),
    userAgent: text('user_agent').notNull().default(''),
    expire: text('expire').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('tokens_user').on(t.userId, t.type), index('tokens_expire').on(t.expire)],
);

export const identities = sqliteTable(
  'identities',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    provider: text('provider').notNull(),
    providerUid: text('provider_uid').notNull(),
    providerEmail: text('provider_email').notNull().default(''),
    providerAccessToken: text('provider_access_token').notNull().default(''),
    providerAccessTokenExpiry: text('provider_access_token_expiry').notNull().default(''),
    providerRefreshToken: text('provider_refresh_token').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('identities_provider_uid').on(t.provider, t.providerUid), index('identities_user').on(t.userId)],
);

/** Security log (`/account/logs`, `/users/{id}/logs`). */
export const logs = sqliteTable(
  'logs',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    userId: text('user_id').notNull(),
    event: text('event').notNull(),
    resource: text('resource').notNull().default(''),
    mode: text('mode').notNull().default('default'),
    ip: text('ip').notNull().default(''),
    userAgent: text('user_agent').notNull().default(''),
    countryCode: text('country_code').notNull().default('--'),
    time: text('time').notNull(),
  },
  (t) => [index('logs_user_time').on(t.userId, t.time)],
);

export const teams = sqliteTable(
  'teams',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    name: text('name').notNull(),
    total: integer('total').notNull().default(0),
    prefs: json<Record<string, unknown>>('prefs').notNull().default({}),
    search: text('search').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('teams_id').on(t.id)],
);

export const memberships = sqliteTable(
  'memberships',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    teamId: text('team_id').notNull(),
    userId: text('user_id').notNull(),
    roles: json<string[]>('roles').notNull().default([]),
    invited: text('invited').notNull(),
    joined: text('joined').notNull().default(''),
    confirm: bool('confirm').notNull().default(false),
    secretHash: text('secret_hash').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('memberships_id').on(t.id),
    uniqueIndex('memberships_team_user').on(t.teamId, t.userId),
    index('memberships_user').on(t.userId),
  ],
);

/** Mail kept locally (MAIL_PROVIDER=outbox), and a record of what real providers were sent. */
export const outbox = sqliteTable(
  'outbox',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull().default(''),
    kind: text('kind').notNull().default(''),
    provider: text('provider').notNull(),
    status: text('status').notNull(),
    error: text('error').notNull().default(''),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('outbox_id').on(t.id), index('outbox_to').on(t.to, t.seq)],
);

/** Queue deliveries already handled, so at-least-once delivery acts once (dedupe by message id). */
export const eventReceipts = sqliteTable(
  'event_receipts',
  {
    messageId: text('message_id').primaryKey(),
    event: text('event').notNull(),
    handledAt: text('handled_at').notNull(),
  },
  (t) => [index('event_receipts_handled_at').on(t.handledAt)],
);

/** Messages that exhausted their retries on the events queue. */
export const deadLetters = sqliteTable('dead_letters', {
  messageId: text('message_id').primaryKey(),
  body: text('body').notNull(),
  attempts: integer('attempts').notNull(),
  receivedAt: text('received_at').notNull(),
});

// ---------------------------------------------------------------------------------------------
// Databases (migrations/0003_databases.sql). Metadata only: each table row here names a real
// SQLite table `t_<seq>` (+ `t_<seq>_perms`, indexes, FTS5 tables) that workers/databases/
// schema-store.ts creates and drops at run time. Keys compare case-insensitively, as SQLite
// column names do.
// ---------------------------------------------------------------------------------------------

/** User databases; `type` is `tablesdb` or `legacy` (which API created it; both APIs serve both). */
export const databases = sqliteTable(
  'databases',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    name: text('name').notNull(),
    enabled: bool('enabled').notNull().default(true),
    type: text('type').notNull().default('tablesdb'),
    search: text('search').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('databases_id').on(t.id), index('databases_created_at').on(t.createdAt)],
);

/** Tables (collections). `seq` names the SQL table `t_<seq>`; permissions are Appwrite strings. */
export const dbTables = sqliteTable(
  'tables',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    databaseId: text('database_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    permissions: json<string[]>('permissions').notNull().default([]),
    rowSecurity: bool('row_security').notNull().default(false),
    enabled: bool('enabled').notNull().default(true),
    search: text('search').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    /** Random token replaced by every definition change (migrations/0007_table_version.sql). */
    version: text('version').notNull().default(''),
  },
  (t) => [uniqueIndex('tables_database_id').on(t.databaseId, t.id)],
);

/**
 * Columns (attributes). `default_value` is JSON (NULL = no default); `min`/`max` are decimal
 * strings so int64 bounds survive; `elements` is the enum list as JSON.
 */
export const dbColumns = sqliteTable(
  'columns',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    tableSeq: integer('table_seq').notNull(),
    key: text('key').notNull(),
    type: text('type').notNull(),
    size: integer('size'),
    required: bool('required').notNull().default(false),
    array: bool('array').notNull().default(false),
    defaultValue: text('default_value'),
    min: text('min'),
    max: text('max'),
    elements: json<string[]>('elements'),
    encrypt: bool('encrypt').notNull().default(false),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('columns_table_key').on(t.tableSeq, t.key)],
);

/** Indexes; `seq` names the SQL index `t_<table>_i_<seq>` or FTS5 table `t_<table>_fts_<seq>`. */
export const dbIndexes = sqliteTable(
  'indexes',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    tableSeq: integer('table_seq').notNull(),
    key: text('key').notNull(),
    type: text('type').notNull(),
    columns: json<string[]>('columns').notNull().default([]),
    orders: json<(string | null)[]>('orders').notNull().default([]),
    lengths: json<(number | null)[]>('lengths').notNull().default([]),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('indexes_table_key').on(t.tableSeq, t.key)],
);

// ---------------------------------------------------------------------------------------------
// OAuth2 sign-in (migrations/0005_oauth2.sql, workers/account/oauth2).
// ---------------------------------------------------------------------------------------------

/**
 * OAuth2 sign-ins in flight: keyed by the SHA-256 of the `state` sent to the provider, deleted
 * when the callback uses it. `binding_hash` ties the row to the browser that started it (a
 * cookie), `mode` is `session` or `token`.
 */
export const oauth2States = sqliteTable(
  'oauth2_states',
  {
    id: text('id').primaryKey(),
    provider: text('provider').notNull(),
    mode: text('mode').$type<'session' | 'token'>().notNull(),
    success: text('success').notNull(),
    failure: text('failure').notNull(),
    codeVerifier: text('code_verifier').notNull(),
    nonce: text('nonce').notNull(),
    bindingHash: text('binding_hash').notNull(),
    expire: text('expire').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('oauth2_states_expire').on(t.expire)],
);

// ---------------------------------------------------------------------------------------------
// Multi-factor authentication (migrations/0006_mfa.sql, workers/account/mfa).
// ---------------------------------------------------------------------------------------------

/**
 * Authenticator apps (type `totp`), at most one per user and type. `secret` is shown once, at
 * enrolment; `last_step` is the newest TOTP time step accepted, so a code is never taken twice.
 */
export const mfaAuthenticators = sqliteTable(
  'mfa_authenticators',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    type: text('type').notNull(),
    secret: text('secret').notNull(),
    verified: bool('verified').notNull().default(false),
    lastStep: integer('last_step').notNull().default(0),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('mfa_authenticators_user_type').on(t.userId, t.type)],
);

/** Open MFA challenges; email/phone ones keep only a SHA-256 of the code they sent. */
export const mfaChallenges = sqliteTable(
  'mfa_challenges',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    type: text('type').notNull(),
    codeHash: text('code_hash').notNull().default(''),
    expire: text('expire').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('mfa_challenges_user').on(t.userId), index('mfa_challenges_expire').on(t.expire)],
);

/** Unused recovery codes, one row each (deleted when used): a keyed hash and a sealed copy. */
export const mfaRecoveryCodes = sqliteTable(
  'mfa_recovery_codes',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    codeHash: text('code_hash').notNull(),
    sealed: text('sealed').notNull(),
    position: integer('position').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('mfa_recovery_codes_user').on(t.userId, t.position)],
);
