import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../lib/crypto';
import { uniqueId } from '../lib/ids';
import { userRoles } from '../lib/principal';
import { nowDate } from '../lib/time';
import { rolesRowSql, rolesSql, type SessionMatch } from './roles-sql';
import { createSession } from './sessions';
import { insertMembershipStatement, newMembershipRow, runBatch } from './teams';
import { createUser, type NewUser } from './users';

async function sqlRoles(userId: string, match: SessionMatch, now = nowDate()): Promise<string[]> {
  const q = rolesRowSql(rolesSql(userId, match, now));
  const row = await env.DB.prepare(q.sql).bind(...q.params).first<{ roles: string }>();
  return (JSON.parse(row!.roles) as string[]).sort();
}

/** A user with a live session, and the roles the JS side gives it. */
async function subject(user: Partial<NewUser>, memberships: { teamId: string; roles: string[]; confirm: boolean }[] = []) {
  const id = uniqueId();
  await createUser(env.DB, { id, email: `${id}@example.com`, ...user });
  const made = memberships.map((m) => newMembershipRow({ ...m, userId: id, secretHash: '' }));
  if (made.length) await runBatch(env.DB, made.map((m) => insertMembershipStatement(env.DB, m)));
  const { row, secret } = await createSession(env.DB, { userId: id, provider: 'email', factors: ['password'], duration: 3600 }, 10);
  const expected = userRoles({
    id,
    emailVerification: user.emailVerification ?? false,
    phoneVerification: user.phoneVerification ?? false,
    labels: user.labels ?? [],
    memberships: made.filter((m) => m.confirm).map((m) => ({ id: m.id, teamId: m.teamId, roles: m.roles })),
  }).sort();
  return { id, sessionId: row.id, secretHash: await sha256Hex(secret), expected };
}

describe('rolesSql: the caller roles SQL derives equal userRoles', () => {
  it('for plain, verified, labelled and team-member users, by session secret and by session id (JWT)', async () => {
    const cases = [
      await subject({}),
      await subject({ emailVerification: true, labels: ['vip', 'beta'] }),
      await subject({ phoneVerification: true }, [
        { teamId: 'crew', roles: ['owner', 'editor'], confirm: true },
        { teamId: 'band', roles: [], confirm: true },
        { teamId: 'pending', roles: ['admin'], confirm: false },
      ]),
    ];
    for (const s of cases) {
      expect(await sqlRoles(s.id, { secretHash: s.secretHash })).toEqual(s.expected);
      expect(await sqlRoles(s.id, { sessionId: s.sessionId })).toEqual(s.expected);
    }
    expect(cases[2].expected).toContain('team:crew/editor');
    expect(cases[2].expected).not.toContain('team:pending');
  });

  it('a wrong secret, another user, an expired or deleted session: guest roles', async () => {
    const s = await subject({ labels: ['vip'] }, [{ teamId: 'crew', roles: ['owner'], confirm: true }]);
    const guest = ['any', 'guests'];
    expect(await sqlRoles(s.id, { secretHash: 'not-it' })).toEqual(guest);
    expect(await sqlRoles('someone-else', { secretHash: s.secretHash })).toEqual(guest);
    expect(await sqlRoles(s.id, { sessionId: s.sessionId }, '9999-01-01T00:00:00.000+00:00')).toEqual(guest);
    await env.DB.prepare('DELETE FROM sessions WHERE id = ?').bind(s.sessionId).run();
    expect(await sqlRoles(s.id, { sessionId: s.sessionId })).toEqual(guest);
  });

  it('reads users, sessions and memberships by index only (a few rows per request, whatever the table sizes)', async () => {
    const q = rolesRowSql(rolesSql('u1', { secretHash: 'h' }, nowDate()));
    const plan = (await env.DB.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).bind(...q.params).all<{ detail: string }>()).results.map((r) => r.detail);
    expect(plan.filter((d) => /^SCAN (u|s|m)\b/.test(d))).toEqual([]);
    expect(plan.join('; ')).toMatch(/SEARCH m USING INDEX memberships_user/);
    expect(plan.join('; ')).toMatch(/SEARCH u USING INDEX users_id/);
  });
});

