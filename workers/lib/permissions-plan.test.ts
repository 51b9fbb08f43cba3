import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { permissionFilterSql } from './permissions';

// The list filter must cost one primary-key probe per row, not one index seek per caller role:
// users in many teams carry dozens of roles (see permissionFilterSql).
describe('permission filter query plan', () => {
  it('probes the grants by primary key, whatever the number of roles', async () => {
    await env.DB.batch([
      env.DB.prepare('CREATE TABLE IF NOT EXISTS plan_t (_seq INTEGER PRIMARY KEY, c_status TEXT)'),
      env.DB.prepare('CREATE TABLE IF NOT EXISTS plan_p (_seq INTEGER NOT NULL, type TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (_seq, type, role)) WITHOUT ROWID'),
      env.DB.prepare('CREATE INDEX IF NOT EXISTS plan_p_role ON plan_p (type, role, _seq)'),
    ]);
    const roles = ['any', 'users', 'user:u1', ...Array.from({ length: 40 }, (_, i) => `team:t${i}`)];
    const filter = permissionFilterSql('plan_p', 'plan_t._seq', 'read', roles);
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN SELECT COUNT(*) FROM plan_t WHERE c_status = ? AND ${filter.sql}`)
      .bind('open', ...filter.params)
      .all<{ detail: string }>();
    const probe = plan.results.map((r) => r.detail).find((d) => d.includes('_perm'));
    expect(probe).toMatch(/PRIMARY KEY \(_seq=\? AND type=\?\)/);
  });
});
