/** Users and what hangs off them: sessions, one-time tokens, OAuth2 identities, the security log (0000). */
import { sqliteTable, text, integer, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, json } from './columns';

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
