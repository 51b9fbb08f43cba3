/**
 * The caller's roles derived by SQL from the very rows its credential check reads, so a read
 * whose permission filter depends on them (a list under rowSecurity) can run in the SAME D1
 * batch as that check: the session (matching, unexpired), the user, its confirmed memberships.
 * It mirrors `userRoles` (lib/principal.ts) — any, users, users/<status>, user:<id>,
 * user:<id>/<status>, team:<T>, member:<M>, team:<T>/<role>, label:<L> — or `any`, `guests`
 * when the credential names no live session. The JS principal stays authoritative: identity/batch
 * compares its roles with this list from the same batch and redoes the read with the real roles
 * if they ever differ (roles-sql.test.ts holds the two to each other).
 */
import type { RolesSql } from '../lib/permissions';

/** How the credential names its session: by secret (session cookie) or by id (a JWT's claim). */
export type SessionMatch = { secretHash: string } | { sessionId: string };

export function rolesSql(userId: string, match: SessionMatch, now: string): RolesSql {
  const bySecret = 'secretHash' in match;
  return { sql: bySecret ? BY_SECRET : BY_ID, params: [JSON.stringify({ u: userId, s: bySecret ? match.secretHash : match.sessionId, n: now })] };
}

/** The roles SELECT for a session named by `column`; its one parameter is `{u, s, n}` JSON. */
function rolesSelect(column: 'secret_hash' | 'id'): string {
  // One JSON parameter, however often the subquery appears in a statement. Four arms: D1 allows
  // at most five terms in a compound SELECT.
  return `WITH _rc(j) AS (SELECT ?),
_ru AS MATERIALIZED (SELECT u.id AS id, u.labels AS labels,
    CASE WHEN u.email_verification OR u.phone_verification THEN 'verified' ELSE 'unverified' END AS st
  FROM _rc JOIN users AS u ON u.id = _rc.j->>'u'
  WHERE EXISTS (SELECT 1 FROM sessions AS s WHERE s.${column} = _rc.j->>'s' AND s.user_id = u.id AND s.expire > _rc.j->>'n')),
_rm AS MATERIALIZED (SELECT m.id AS id, m.team_id AS team, m.roles AS roles FROM memberships AS m WHERE m.user_id = (SELECT id FROM _ru) AND m.confirm = 1)
SELECT _b.value AS value FROM json_each((SELECT CASE WHEN _ru.id IS NULL THEN '["any","guests"]'
    ELSE json_array('any', 'users', 'users/' || _ru.st, 'user:' || _ru.id, 'user:' || _ru.id || '/' || _ru.st) END
  FROM (SELECT 1) LEFT JOIN _ru)) AS _b
UNION ALL SELECT _t.value FROM _rm, json_each(json_array('team:' || _rm.team, 'member:' || _rm.id)) AS _t
UNION ALL SELECT 'team:' || _rm.team || '/' || _r.value FROM _rm, json_each(_rm.roles) AS _r
UNION ALL SELECT 'label:' || _l.value FROM _ru, json_each(_ru.labels) AS _l`;
}

const BY_SECRET = rolesSelect('secret_hash');
const BY_ID = rolesSelect('id');

/** The roles as one row, `roles` = a JSON array, for comparing with the resolved principal's. */
export function rolesRowSql(roles: RolesSql): RolesSql {
  return { sql: `SELECT json_group_array(value) AS roles FROM (${roles.sql})`, params: roles.params };
}

/**
 * True when the credential names a live session (matching, unexpired) whose user is enabled and
 * not held by MFA: exactly what `resolve` (identity/authenticate.ts) and the MFA hold
 * (`sessionMfaPending`, mfa/rules.ts) let through on a route outside the MFA group. A write can
 * be conditioned on it in SQL (databases/rows-create.ts) and so ride in the batch that checks
 * the credential. Its one parameter is `{u, s, n}` JSON, as `rolesSql`'s.
 */
export function activeSessionSql(userId: string, match: SessionMatch, now: string): RolesSql {
  const bySecret = 'secretHash' in match;
  return { sql: bySecret ? ACTIVE_BY_SECRET : ACTIVE_BY_ID, params: [JSON.stringify({ u: userId, s: bySecret ? match.secretHash : match.sessionId, n: now })] };
}

function activeSelect(column: 'secret_hash' | 'id'): string {
  // Held: MFA on and fewer factors on the session than the user can present (two when a verified
  // email, phone or TOTP authenticator gives a second one, else one) — needsMoreFactors.
  return `EXISTS (SELECT 1 FROM (SELECT ? AS j) AS _ac JOIN sessions AS s ON s.${column} = _ac.j->>'s' AND s.user_id = _ac.j->>'u' AND s.expire > _ac.j->>'n'
  JOIN users AS u ON u.id = s.user_id
  WHERE u.status AND NOT (u.mfa AND json_array_length(s.factors) < CASE WHEN u.email_verification OR u.phone_verification
    OR EXISTS (SELECT 1 FROM mfa_authenticators AS a WHERE a.user_id = u.id AND a.type = 'totp' AND a.verified = 1) THEN 2 ELSE 1 END))`;
}

const ACTIVE_BY_SECRET = activeSelect('secret_hash');
const ACTIVE_BY_ID = activeSelect('id');
