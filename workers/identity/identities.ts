import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { identities } from '../db/schema';
import { ApiError } from '../lib/errors';
import { loadInKeyOrder, runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';

/** OAuth2 identities linked to users: the Account API lists a user's own, the Users API all. */
type IdentityRow = typeof identities.$inferSelect;

const IDENTITIES: SystemList = {
  noun: 'Identity',
  target: systemTarget('identities', 'rowid', {
    userId: ['user_id', 'text'],
    provider: ['provider', 'text'],
    providerUid: ['provider_uid', 'text'],
    providerEmail: ['provider_email', 'text'],
    providerAccessTokenExpiry: ['provider_access_token_expiry', 'datetime'],
  }),
  search: `(id || ' ' || user_id || ' ' || provider || ' ' || provider_uid || ' ' || provider_email)`,
};

export function identityModel(row: IdentityRow) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    userId: row.userId,
    provider: row.provider,
    providerUid: row.providerUid,
    providerEmail: row.providerEmail,
    providerAccessToken: row.providerAccessToken,
    providerAccessTokenExpiry: row.providerAccessTokenExpiry,
    providerRefreshToken: row.providerRefreshToken,
  };
}

/** Identities across all users, or of one user (the Account API's own list). */
export async function listIdentities(db: D1Database, input: SystemListInput, userId?: string) {
  const scope = userId === undefined ? [] : [{ sql: 'user_id = ?', params: [userId] }];
  const { keys, total } = await runSystemList(db, IDENTITIES, { ...input, scope });
  const rows = await loadInKeyOrder(
    keys,
    sql`${identities}.rowid`,
    (where) => drizzle(db).select({ i: identities, k: sql<number>`${identities}.rowid` }).from(identities).where(where),
    (r) => r.k,
  );
  return { total, identities: rows.map((r) => identityModel(r.i)) };
}

export async function deleteIdentity(db: D1Database, id: string): Promise<IdentityRow> {
  const rows = await drizzle(db).delete(identities).where(eq(identities.id, id)).returning();
  if (!rows[0]) throw new ApiError('user_identity_not_found');
  return rows[0];
}
