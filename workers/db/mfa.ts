/** Multi-factor authentication (migrations/0006_mfa.sql). */
import { sqliteTable, text, integer, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool } from './columns';

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
