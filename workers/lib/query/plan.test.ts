/**
 * Orders an index can serve, in either direction: the `$sequence` tiebreaker follows the scan of
 * the index that serves the order (SQLite index entries end in the rowid ascending, so a backward
 * scan yields it descending). Guarded on SQLite's own query plans: an indexed order never needs
 * `USE TEMP B-TREE FOR ORDER BY`, forwards, backwards, or paged with a cursor either way.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileQueries, listSql } from './index';
import { createTestTable, TEST_TARGET as target } from './testing/fixture';

const q = (method: string, attribute?: string, values?: unknown[]) => JSON.stringify({ method, attribute, values });

async function planOf(queries: string[]): Promise<string> {
  const compiled = compileQueries(queries, target);
  const stmt = listSql(target, compiled, { columns: '_uid' });
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${stmt.sql}`).bind(...stmt.params).all<{ detail: string }>();
  return results.map((r) => r.detail).join('; ');
}

const orderBy = (queries: string[]) => compileQueries(queries, target).orderBy.replaceAll('"t_900".', '').replaceAll('"', '');

beforeAll(async () => {
  await createTestTable(env.DB, []);
});

describe('the $sequence tiebreaker follows the serving index\'s scan', () => {
  it('runs with the index, or against it (a backward scan)', () => {
    expect(orderBy([q('orderAsc', 'count')])).toBe('c_count ASC, _seq ASC');
    expect(orderBy([q('orderDesc', 'count')])).toBe('c_count DESC, _seq DESC');
    expect(orderBy([q('orderDesc', 'name')])).toBe('c_name DESC, _seq ASC');
    expect(orderBy([q('orderAsc', 'name')])).toBe('c_name ASC, _seq DESC');
    // (flag ASC, score DESC) serves score once flag is pinned, in either direction.
    expect(orderBy([q('equal', 'flag', [true]), q('orderDesc', 'score')])).toBe('c_score DESC, _seq ASC');
    expect(orderBy([q('equal', 'flag', [true]), q('orderAsc', 'score')])).toBe('c_score ASC, _seq DESC');
    expect(orderBy([q('orderDesc', '$createdAt')])).toBe('_createdAt DESC, _seq DESC');
  });

  it('keeps Appwrite\'s default where no index serves the order', () => {
    expect(orderBy([q('orderDesc', 'score')])).toBe('c_score DESC, _seq ASC');
    expect(orderBy([q('orderAsc', 'count'), q('orderDesc', 'score')])).toBe('c_count ASC, c_score DESC, _seq ASC');
    expect(orderBy([q('equal', 'flag', [true]), q('orderDesc', 'score'), q('orderAsc', 'count')])).toBe('c_score DESC, c_count ASC, _seq ASC');
    expect(orderBy([])).toBe('_seq ASC');
    expect(orderBy([q('orderDesc', '$sequence')])).toBe('_seq DESC');
  });

  it('a cursorBefore page reverses the whole order, tiebreaker included', () => {
    expect(orderBy([q('orderDesc', 'count'), q('cursorBefore', undefined, ['x'])])).toBe('c_count ASC, _seq ASC');
  });
});

describe('query plans: no sort for an indexed order, in either direction', () => {
  const cases: [string, string[]][] = [
    ['range + order on one ascending index, descending', [q('greaterThan', 'count', [3]), q('orderDesc', 'count'), q('limit', undefined, [25])]],
    ['range + order on one ascending index, ascending', [q('greaterThan', 'count', [3]), q('orderAsc', 'count'), q('limit', undefined, [25])]],
    ['order alone, descending', [q('orderDesc', 'count'), q('limit', undefined, [25])]],
    ['pinned prefix, the index\'s own direction', [q('equal', 'flag', [true]), q('orderDesc', 'score'), q('limit', undefined, [25])]],
    ['pinned prefix, against the index', [q('equal', 'flag', [true]), q('orderAsc', 'score'), q('limit', undefined, [25])]],
    ['descending index read backwards', [q('orderAsc', 'name'), q('limit', undefined, [25])]],
    ['$createdAt descending', [q('orderDesc', '$createdAt'), q('limit', undefined, [25])]],
  ];
  for (const [name, queries] of cases) {
    it(name, async () => {
      for (const cursor of [[], [q('cursorAfter', undefined, ['r1'])], [q('cursorBefore', undefined, ['r1'])]]) {
        const plan = await planOf([...queries, ...cursor]);
        expect(plan, `${queries.join(' ')} ${cursor.join(' ')}`).not.toMatch(/TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY/);
        expect(plan).toMatch(/USING (COVERING )?INDEX/);
      }
    });
  }
});
