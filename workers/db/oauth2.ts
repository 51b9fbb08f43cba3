/** OAuth2 sign-in (migrations/0005_oauth2.sql, workers/identity/oauth2). */
import { sqliteTable, text, index } from 'drizzle-orm/sqlite-core';

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
