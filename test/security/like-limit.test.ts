/**
 * Issue 10, defect 10: D1 refuses LIKE patterns over 50 bytes; local SQLite does not. Long
 * startsWith / endsWith / contains / search values must compile to something else with the same
 * meaning, and no LIKE Ledge emits may carry a longer pattern (the production guard).
 */
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIKE_PATTERN_MAX_BYTES, likePattern, textMatchSql, type TextMatch } from '../../workers/lib/query/like';
import { app } from '../../workers/app';
import { call, okJson, rootKey } from '../helpers';

const bytes = (s: string) => new TextEncoder().encode(s).length;

/** SQLite's LIKE on a literal: ASCII letters fold, nothing else does. */
const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
function likeMatches(text: string, value: string, match: TextMatch): boolean {
  const [t, v] = [fold(text), fold(value)];
  return match === 'prefix' ? t.startsWith(v) : match === 'suffix' ? t.endsWith(v) : t.includes(v);
}

/** Every LIKE pattern textMatchSql binds, for any value. */
function boundLikePatterns(value: string, match: TextMatch, negate: boolean): string[] {
  const bound: string[] = [];
  const sql = textMatchSql('"c"', value, match, negate, (v) => (bound.push(v), '?'));
  return /\bLIKE\b/.test(sql) ? bound : [];
}

describe('LIKE patterns stay within D1\'s 50 bytes', () => {
  it('for any value, op and negation (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }), fc.constantFrom<TextMatch>('prefix', 'suffix', 'contains'), fc.boolean(), (value, match, negate) => {
        for (const p of boundLikePatterns(value, match, negate)) expect(bytes(p)).toBeLessThanOrEqual(LIKE_PATTERN_MAX_BYTES);
      }),
      { numRuns: 2000 },
    );
  });

  it('long values match exactly as LIKE would (ASCII case folded; NULL matches neither form)', async () => {
    await env.DB.prepare('CREATE TABLE IF NOT EXISTS like_probe (id INTEGER PRIMARY KEY, c TEXT)').run();
    await env.DB.prepare('DELETE FROM like_probe').run();
    const base = 'Lorem-ipsum_dolor%sit amet, consectetur adipiscing élit, sed do eiusmod';
    const texts = [base, base.toUpperCase(), `xx${base}`, `${base}yy`, base.slice(3), null, 'ÉLIT', `${base.slice(0, 40)}Ä${base.slice(40)}`];
    for (const [i, t] of texts.entries()) await env.DB.prepare('INSERT INTO like_probe (id, c) VALUES (?, ?)').bind(i, t).run();
    const values = [base, base.slice(0, 60), base.slice(-60), base.slice(5, 70).toLowerCase(), `${base.slice(0, 55)}_`, base.slice(10, 62).replace('i', 'I')];
    for (const value of values) {
      expect(bytes(likePattern(value, 'contains'))).toBeGreaterThan(LIKE_PATTERN_MAX_BYTES);
      for (const match of ['prefix', 'suffix', 'contains'] as const) {
        for (const negate of [false, true]) {
          const params: string[] = [];
          const ours = textMatchSql('c', value, match, negate, (v) => (params.push(v), '?'));
          expect(ours).not.toMatch(/\bLIKE\b/);
          const got = await env.DB.prepare(`SELECT id FROM like_probe WHERE ${ours} ORDER BY id`).bind(...params).all<{ id: number }>();
          const want = texts.flatMap((t, id) => (t !== null && likeMatches(t, value, match) !== negate ? [{ id }] : []));
          expect(got.results, `${match} ${negate} ${value}`).toEqual(want);
        }
      }
    }
  });
});

/** env.DB, except that a statement binding a LIKE pattern over 50 bytes fails as it would on D1. */
function d1LikeLimit(db: D1Database): D1Database {
  const tooLong = (sql: string, params: unknown[]) => {
    if (!/\bLIKE\b/i.test(sql)) return null;
    const candidates = params.flatMap((p) => {
      if (typeof p !== 'string') return [];
      try {
        const parsed = JSON.parse(p) as unknown;
        return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [p];
      } catch {
        return [p];
      }
    });
    return candidates.find((p) => /^%|[^\\]%$/.test(p) && bytes(p) > LIKE_PATTERN_MAX_BYTES) ?? null;
  };
  return new Proxy(db, {
    get(target, prop) {
      // Requests run on a D1 session (middleware/d1-session.ts): its statements are guarded too.
      if (prop === 'withSession') return (constraint?: string) => d1LikeLimit(target.withSession(constraint) as unknown as D1Database);
      if (prop !== 'prepare') return Reflect.get(target, prop, target);
      return (sql: string) => {
        const stmt = target.prepare(sql);
        const bind = stmt.bind.bind(stmt);
        stmt.bind = (...params: unknown[]) => {
          const found = tooLong(sql, params);
          if (found) throw new Error(`D1_ERROR: LIKE or GLOB pattern too complex (${bytes(found)} bytes)`);
          return bind(...params);
        };
        return stmt;
      };
    },
  });
}

describe('60-byte values through the API, on a D1 that enforces the limit', () => {
  it('rows: startsWith, endsWith, contains (one and many values); users: search', async () => {
    const fetchGuarded = (path: string, init: RequestInit & { json?: unknown } = {}) => {
      const headers = new Headers(init.headers);
      headers.set('X-Appwrite-Project', env.PROJECT_ID);
      headers.set('X-Appwrite-Key', rootKey());
      if (init.json !== undefined) headers.set('Content-Type', 'application/json');
      const req = new Request(`http://ledge.test${path}`, { ...init, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
      const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext;
      return app.fetch(req, { ...env, DB: d1LikeLimit(env.DB) }, ctx);
    };
    const db = `like${crypto.randomUUID().slice(0, 8)}`;
    await okJson(await call('/v1/tablesdb', { method: 'POST', key: rootKey(), json: { databaseId: db, name: 'L' } }), 201);
    await okJson(await call(`/v1/tablesdb/${db}/tables`, { method: 'POST', key: rootKey(), json: { tableId: 't', name: 'T' } }), 201);
    await okJson(await call(`/v1/tablesdb/${db}/tables/t/columns/string`, { method: 'POST', key: rootKey(), json: { key: 's', size: 500, required: false } }), 202);
    const head = 'h'.repeat(60);
    const tail = 't'.repeat(60);
    const rows = { a: `${head}-middle-${tail}`, b: `${head}-other`, c: `x-${tail}`, d: 'short' };
    for (const [id, s] of Object.entries(rows)) await okJson(await call(`/v1/tablesdb/${db}/tables/t/rows`, { method: 'POST', key: rootKey(), json: { rowId: id, data: { s } } }), 201);
    const ids = async (query: object) => {
      const q = encodeURIComponent(JSON.stringify(query));
      const res = await okJson<{ rows: { $id: string }[] }>(await fetchGuarded(`/v1/tablesdb/${db}/tables/t/rows?queries[0]=${q}`));
      return res.rows.map((r) => r.$id).sort();
    };
    // The guard bites, and so (in this workerd) does local D1 itself: a long LIKE fails as in production.
    expect(() => d1LikeLimit(env.DB).prepare('SELECT 1 WHERE ? LIKE ?').bind('x', `%${'y'.repeat(60)}%`)).toThrow(/too complex/);
    await expect(env.DB.prepare('SELECT 1 WHERE ? LIKE ?').bind('x', `%${'y'.repeat(60)}%`).first()).rejects.toThrow(/too complex/);
    expect(await ids({ method: 'startsWith', attribute: 's', values: [head.toUpperCase()] })).toEqual(['a', 'b']);
    expect(await ids({ method: 'endsWith', attribute: 's', values: [tail] })).toEqual(['a', 'c']);
    expect(await ids({ method: 'notEndsWith', attribute: 's', values: [tail] })).toEqual(['b', 'd']);
    expect(await ids({ method: 'contains', attribute: 's', values: [`${head}-mid`] })).toEqual(['a']);
    expect(await ids({ method: 'contains', attribute: 's', values: [`${head}-mid`, 'other'] })).toEqual(['a', 'b']);
    expect(await ids({ method: 'notContains', attribute: 's', values: [`${head}-mid`] })).toEqual(['b', 'c', 'd']);
    expect(await ids({ method: 'notStartsWith', attribute: 's', values: [head] })).toEqual(['c', 'd']);

    const name = `n${'ü'.repeat(40)}`;
    await okJson(await call('/v1/users', { method: 'POST', key: rootKey(), json: { userId: 'unique()', name, email: `${crypto.randomUUID().slice(0, 8)}@example.com` } }), 201);
    const found = await okJson<{ total: number }>(await fetchGuarded(`/v1/users?search=${encodeURIComponent(name)}`));
    expect(found.total).toBe(1);
  });
});
