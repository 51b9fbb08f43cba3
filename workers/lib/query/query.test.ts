import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../errors';
import {
  checkCursor, compile, compileQueries, countSql, escapeLike, finishPage, ftsMatchExpression, listSql, parseQueries,
  type CompiledQuery,
} from './index';
import { createTestTable, TEST_TARGET } from './testing/fixture';
import { runOracle, tiebreakOf, type OracleRow } from './testing/oracle';

const target = TEST_TARGET;
const q = (method: string, attribute?: string, values?: unknown[]) => {
  const text = JSON.stringify({ method, attribute, values }, (_k, v) => (typeof v === 'bigint' ? `#${v}#` : v));
  return text.replace(/"#(-?\d+)#"/g, '$1');
};

const D1 = '2020-01-01T00:00:00.000+00:00';
const ROWS: OracleRow[] = [
  { $id: 'r1', $sequence: 1, $createdAt: D1, $updatedAt: D1, title: 'Alpha beta', name: "O'Brien", count: 1, score: 1.5, flag: true, when: D1, tags: ['a', 'b'], nums: [1, 2] },
  { $id: 'r2', $sequence: 2, $createdAt: D1, $updatedAt: D1, title: 'gamma', name: '50%', count: 2, score: null, flag: false, when: null, tags: [], nums: null },
  { $id: 'r3', $sequence: 3, $createdAt: '2019-05-05T00:00:00.000+00:00', $updatedAt: D1, title: null, name: 'a_b', count: null, score: 2.5, flag: null, when: '2021-06-01T12:00:00.000+00:00', tags: null, nums: [3] },
  { $id: 'r4', $sequence: 4, $createdAt: '2021-01-01T00:00:00.000+00:00', $updatedAt: D1, title: 'alphabet soup', name: 'ABC', count: 9007199254740993n, score: -1, flag: true, when: '1999-12-31T23:59:59.999+00:00', tags: ['A'], nums: [] },
  { $id: 'r5', $sequence: 5, $createdAt: D1, $updatedAt: D1, title: 'café crème', name: null, count: 2, score: 0, flag: false, when: '2020-01-01T00:00:00.001+00:00', tags: ['a%'], nums: [2] },
];

/** Runs queries through the compiler + D1 and through the oracle; both must give `ids`. */
async function expectIds(queries: string[], ids: string[]) {
  const compiled = compileQueries(queries, target);
  await checkCursor(env.DB, target, compiled);
  const stmt = listSql(target, compiled, { columns: '_uid' });
  const { results } = await env.DB.prepare(stmt.sql).bind(...stmt.params).all<{ _uid: string }>();
  expect(finishPage(results, compiled).map((r) => r._uid), `D1: ${queries.join(' ')}`).toEqual(ids);
  const parsed = parseQueries(queries, target);
  const oracle = runOracle(parsed, ROWS, { tiebreak: tiebreakOf(compiled, parsed, target) });
  expect(oracle.ok && oracle.rows.map((r) => r.$id), `oracle: ${queries.join(' ')}`).toEqual(ids);
}

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('validation', () => {
  const cases: [string, string[], string][] = [
    ['bad JSON', ['{"method":'], 'Invalid query: Syntax error'],
    ['not an object', ['42'], 'Invalid query. Must be an array, got integer'],
    ['unknown method', [q('nope', 'title', ['a'])], 'Invalid query method: nope'],
    ['unsupported method', [q('regex', 'title', ['a'])], 'Invalid query: Query method "regex" is not supported'],
    ['values not array', ['{"method":"equal","attribute":"title","values":"a"}'], 'Invalid query values. Must be an array, got string'],
    ['unknown attribute', [q('equal', 'nope', ['a'])], 'Invalid query: Attribute not found in schema: nope'],
    ['wrong type', [q('equal', 'count', ['1'])], 'Invalid query: Query value is invalid for attribute "count"'],
    ['bad datetime', [q('lessThan', 'when', ['2020-02-30x'])], 'Invalid query: Query value is invalid for attribute "when"'],
    ['no values', [q('equal', 'title', [])], 'Invalid query: Equal queries require at least one value.'],
    ['two values', [q('notEqual', 'title', ['a', 'b'])], 'Invalid query: NotEqual queries require exactly one value.'],
    ['between arity', [q('between', 'count', [1])], 'Invalid query: Between queries require exactly two values.'],
    ['too many values', [q('equal', 'count', Array(501).fill(1))], 'Invalid query: Query on attribute has greater than 500 values: count'],
    ['too many queries', Array(101).fill(q('isNull', 'title')), 'Invalid query: A maximum of 100 queries is allowed'],
    ['too long', [q('equal', 'title', ['x'.repeat(4090)])], 'Invalid query: Each query must be at most 4096 characters long'],
    ['limit 0', [q('limit', undefined, [0])], 'Invalid query: Invalid limit: Value must be a valid range between 1 and 5,000'],
    ['limit 5001', [q('limit', undefined, [5001])], 'Invalid query: Invalid limit: Value must be a valid range between 1 and 5,000'],
    ['offset -1', [q('offset', undefined, [-1])], 'Invalid query: Invalid offset: Value must be a valid range between 0 and 9,007,199,254,740,991'],
    ['cursor id', [q('cursorAfter', undefined, ['_bad'])], "Invalid query: Invalid cursor: UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore"],
    ['search without index', [q('search', 'name', ['a'])], 'Invalid query: Searching by attribute "name" requires a fulltext index.'],
    ['equal on array', [q('equal', 'tags', ['a'])], 'Invalid query: Cannot query equal on attribute "tags" because it is an array.'],
    ['contains on integer', [q('contains', 'count', [1])], 'Invalid query: Cannot query contains on attribute "count" because it is not an array, string, or object.'],
    ['or with one', [JSON.stringify({ method: 'or', values: [{ method: 'isNull', attribute: 'title' }] })], 'Invalid query: Or queries require at least two queries'],
    ['limit in and', [JSON.stringify({ method: 'and', values: [{ method: 'isNull', attribute: 'title' }, { method: 'limit', values: [1] }] })], 'Invalid query: And queries can only contain filter queries'],
    ['select duplicate', [q('select', undefined, ['title', 'title'])], 'Invalid query: Duplicate attributes selected'],
    ['cursor with random', [q('orderRandom'), q('cursorAfter', undefined, ['r1'])], 'Invalid query: Cursor pagination cannot be combined with orderRandom'],
  ];
  it.each(cases)('%s', (_name, queries, message) => {
    const err = errorOf(() => compileQueries(queries, target));
    expect(err.type).toBe('general_query_invalid');
    expect(err.code).toBe(400);
    expect(err.message).toBe(message);
  });

  it('limits nesting depth', () => {
    const leaf = { method: 'isNull', attribute: 'title' };
    const nest = (levels: number): object => (levels === 0 ? leaf : { method: 'or', values: [nest(levels - 1), leaf] });
    expect(() => compileQueries([JSON.stringify(nest(5))], target)).not.toThrow();
    expect(errorOf(() => compileQueries([JSON.stringify(nest(6))], target)).message).toMatch(/nested at most 5 levels/);
  });

  it('applies defaults, first limit/offset/cursor wins, merges selects', () => {
    expect(parseQueries([], target)).toMatchObject({ limit: 25, offset: 0, cursor: null, select: null, orders: [] });
    const p = parseQueries(
      [q('limit', undefined, [3]), q('limit', undefined, [9]), q('offset', undefined, [2]), q('offset', undefined, [7]),
        q('cursorBefore', undefined, ['r1']), q('cursorAfter', undefined, ['r2']), q('select', undefined, ['title']), q('select', undefined, ['$id', 'title']), q('orderAsc')],
      target,
    );
    expect(p).toMatchObject({ limit: 3, offset: 2, cursor: { direction: 'before', id: 'r1' }, select: ['title', '$id'] });
    expect(p.orders[0].attribute).toBe('$sequence');
  });

  it('normalises datetimes, booleans and int64 values', () => {
    const p = parseQueries([q('equal', 'when', ['2020-01-01T01:00:00+01:00', '2020-01-01']), q('equal', 'flag', [true, false]), q('equal', 'count', [9223372036854775807n])], target);
    const values = p.filters.map((f) => (f.type === 'leaf' ? f.values : []));
    expect(values).toEqual([[D1, D1], [1, 0], [9223372036854775807n]]);
  });
});

describe('helpers', () => {
  it('escapes LIKE wildcards and the escape character', () => {
    expect(escapeLike('50%_a\\b')).toBe('50\\%\\_a\\\\b');
  });

  it('builds FTS5 expressions from words only', () => {
    expect(ftsMatchExpression('alpha beta')).toBe('"alpha" OR "beta"*');
    expect(ftsMatchExpression('"alpha beta"')).toBe('"alpha beta"');
    expect(ftsMatchExpression('NEAR(x y) OR title:z*')).toBe('"NEAR" OR "x" OR "y" OR "OR" OR "title" OR "z"*');
    expect(ftsMatchExpression('" * ( ) -')).toBeNull();
  });

  it('never writes client strings into SQL text', () => {
    const evil = `x"); DROP TABLE t_900; --'`;
    const compiled = compileQueries(
      [q('equal', 'name', [evil]), q('startsWith', 'name', [evil]), q('contains', 'tags', [evil, 'b']), q('search', 'title', [evil]), q('cursorAfter', undefined, ['r1'])],
      target,
    );
    for (const sql of [compiled.where.sql, compiled.orderBy]) {
      expect(sql).not.toContain('DROP');
      expect(sql).not.toContain('r1');
    }
  });
});

describe('on D1', () => {
  beforeEach(async () => {
    await createTestTable(env.DB, ROWS);
  });

  it('compares scalars with SQL null semantics', async () => {
    await expectIds([q('equal', 'title', ['gamma'])], ['r2']);
    await expectIds([q('equal', 'count', [2, 1])], ['r1', 'r2', 'r5']);
    await expectIds([q('equal', 'count', [9007199254740993n])], ['r4']);
    await expectIds([q('greaterThan', 'count', [9007199254740992n])], ['r4']);
    await expectIds([q('notEqual', 'count', [2])], ['r1', 'r4']);
    await expectIds([q('lessThan', 'score', [1.5])], ['r4', 'r5']);
    await expectIds([q('lessThanEqual', 'score', [1.5])], ['r1', 'r4', 'r5']);
    await expectIds([q('greaterThanEqual', 'score', [1.5])], ['r1', 'r3']);
    await expectIds([q('between', 'score', [0, 2])], ['r1', 'r5']);
    await expectIds([q('notBetween', 'score', [0, 2])], ['r3', 'r4']);
    await expectIds([q('isNull', 'title')], ['r3']);
    await expectIds([q('isNotNull', 'nums')], ['r1', 'r3', 'r4', 'r5']);
    await expectIds([q('isNull', 'tags')], ['r3']);
    await expectIds([q('equal', 'flag', [true])], ['r1', 'r4']);
    await expectIds([q('equal', 'flag', [false])], ['r2', 'r5']);
    await expectIds([q('equal', 'when', ['2020-01-01T01:00:00+01:00'])], ['r1']);
    await expectIds([q('greaterThan', 'when', ['2020-01-01'])], ['r3', 'r5']);
    await expectIds([q('equal', '$sequence', ['3'])], ['r3']);
  });

  it('matches text patterns literally, ASCII case-insensitively', async () => {
    await expectIds([q('startsWith', 'title', ['alpha'])], ['r1', 'r4']);
    await expectIds([q('notStartsWith', 'title', ['alpha'])], ['r2', 'r5']);
    await expectIds([q('endsWith', 'name', ['%'])], ['r2']);
    await expectIds([q('notEndsWith', 'name', ['%'])], ['r1', 'r3', 'r4']);
    await expectIds([q('startsWith', 'name', ['a_'])], ['r3']);
    await expectIds([q('contains', 'name', ['_'])], ['r3']);
    await expectIds([q('contains', 'name', ["'"])], ['r1']);
    await expectIds([q('contains', 'title', ['mm', 'BETA'])], ['r1', 'r2']);
    await expectIds([q('containsAny', 'title', ['soup'])], ['r4']);
    await expectIds([q('notContains', 'title', ['alpha'])], ['r2', 'r5']);
    await expectIds([q('contains', 'title', ['CRÈME'])], []);
  });

  it('tests array membership element by element', async () => {
    await expectIds([q('contains', 'tags', ['a'])], ['r1']);
    await expectIds([q('contains', 'tags', ['A', 'a%'])], ['r4', 'r5']);
    await expectIds([q('notContains', 'tags', ['a'])], ['r2', 'r4', 'r5']);
    await expectIds([q('containsAll', 'tags', ['a', 'b'])], ['r1']);
    await expectIds([q('containsAll', 'tags', ['a', 'c'])], []);
    await expectIds([q('contains', 'nums', [2])], ['r1', 'r5']);
    await expectIds([q('containsAll', 'nums', [2, 1])], ['r1']);
  });

  it('searches the fulltext index with Appwrite semantics', async () => {
    await expectIds([q('search', 'title', ['alpha'])], ['r1', 'r4']);
    await expectIds([q('search', 'title', ['cafe'])], ['r5']);
    await expectIds([q('search', 'title', ['"alpha beta"'])], ['r1']);
    await expectIds([q('search', 'title', ['"beta alpha"'])], []);
    await expectIds([q('search', 'title', ['gamma sou'])], ['r2', 'r4']);
    await expectIds([q('notSearch', 'title', ['alpha'])], ['r2', 'r5']);
    await expectIds([q('search', 'title', ['NEAR(alpha'])], ['r1', 'r4']);
    await expectIds([q('search', 'title', ['*'])], []);
  });

  it('combines with and/or and date sugar', async () => {
    await expectIds([JSON.stringify({ method: 'or', values: [{ method: 'equal', attribute: 'count', values: [1] }, { method: 'isNull', attribute: 'title' }] })], ['r1', 'r3']);
    await expectIds(
      [JSON.stringify({ method: 'and', values: [{ method: 'equal', attribute: 'flag', values: [true] }, { method: 'or', values: [{ method: 'lessThan', attribute: 'score', values: [0] }, { method: 'contains', attribute: 'tags', values: ['b'] }] }] })],
      ['r1', 'r4'],
    );
    await expectIds([q('createdBefore', undefined, ['2020-01-01T00:00:00.000Z'])], ['r3']);
    await expectIds([q('createdAfter', undefined, ['2020-01-01T00:00:00.000Z'])], ['r4']);
    await expectIds([q('createdBetween', undefined, ['2019-01-01', '2020-01-01'])], ['r1', 'r2', 'r3', 'r5']);
    await expectIds([q('updatedBefore', undefined, ['2020-01-01'])], []);
  });

  it('orders with nulls first ascending and the $sequence tiebreaker', async () => {
    await expectIds([q('orderDesc', 'score')], ['r3', 'r1', 'r5', 'r4', 'r2']);
    await expectIds([q('orderAsc', 'score')], ['r2', 'r4', 'r5', 'r1', 'r3']);
    await expectIds([q('orderAsc', '$createdAt')], ['r3', 'r1', 'r2', 'r5', 'r4']);
    // A leading $createdAt/$updatedAt takes its direction to the tiebreaker too.
    await expectIds([q('orderDesc', '$createdAt')], ['r4', 'r5', 'r2', 'r1', 'r3']);
    await expectIds([q('orderDesc', 'flag')], ['r1', 'r4', 'r2', 'r5', 'r3']);
    await expectIds([q('orderDesc', 'flag'), q('orderDesc', '$id')], ['r4', 'r1', 'r5', 'r2', 'r3']);
    await expectIds([q('orderDesc')], ['r5', 'r4', 'r3', 'r2', 'r1']);
    await expectIds([q('orderAsc', 'score'), q('limit', undefined, [2]), q('offset', undefined, [1])], ['r4', 'r5']);
  });

  it('pages with cursors in both directions', async () => {
    const desc = q('orderDesc', 'score');
    await expectIds([desc, q('cursorAfter', undefined, ['r1'])], ['r5', 'r4', 'r2']);
    await expectIds([desc, q('cursorBefore', undefined, ['r5'])], ['r3', 'r1']);
    await expectIds([desc, q('cursorBefore', undefined, ['r5']), q('limit', undefined, [1])], ['r1']);
    await expectIds([desc, q('cursorBefore', undefined, ['r4']), q('limit', undefined, [1]), q('offset', undefined, [1])], ['r1']);
    await expectIds([q('orderDesc', 'flag'), q('cursorAfter', undefined, ['r4'])], ['r2', 'r5', 'r3']);
    await expectIds([q('cursorAfter', undefined, ['r3']), q('equal', 'flag', [false])], ['r5']);
    await expectIds([q('orderDesc', '$createdAt'), q('cursorAfter', undefined, ['r2'])], ['r1', 'r3']);
  });

  it('refuses unknown cursors and null order values like Appwrite', async () => {
    const missing = compileQueries([q('cursorAfter', undefined, ['nope'])], target);
    await expect(checkCursor(env.DB, target, missing)).rejects.toMatchObject({ type: 'general_cursor_not_found', message: "Row 'nope' for the 'cursor' value not found." });
    const nullScore = compileQueries([q('orderAsc', 'score'), q('cursorAfter', undefined, ['r2'])], target);
    await expect(checkCursor(env.DB, target, nullScore)).rejects.toMatchObject({
      type: 'database_query_order_null',
      message: "The order column 'score' had a null value. Cursor pagination requires all rows order column values are non-null.",
    });
    await expect(checkCursor(env.DB, target, missing, { noun: 'User', items: 'users', column: 'attribute' })).rejects.toThrow("User 'nope'");
  });

  it('lets the caller add its own condition and count', async () => {
    const compiled = compileQueries([q('isNotNull', 'title'), q('limit', undefined, [1])], target);
    const extra = { sql: '"t_900"."c_flag" = ?', params: [1] };
    const page = listSql(target, compiled, { columns: '_uid', extra });
    expect((await env.DB.prepare(page.sql).bind(...page.params).all()).results).toEqual([{ _uid: 'r1' }]);
    const count = countSql(target, compiled, { extra });
    expect(await env.DB.prepare(count.sql).bind(...count.params).first('total')).toBe(2);
  });

  it('keeps any accepted input within D1 parameter and statement limits', async () => {
    const run = async (compiled: CompiledQuery) => {
      const stmt = listSql(target, compiled, { columns: '_uid' });
      expect(stmt.params.length).toBeLessThanOrEqual(100);
      return (await env.DB.prepare(stmt.sql).bind(...stmt.params).all<{ _uid: string }>()).results.map((r) => r._uid);
    };
    // 100 queries × 2 parameters each: packed into one JSON parameter.
    const betweens = Array.from({ length: 99 }, (_, i) => q('between', 'count', [-i, 2 + i]));
    expect(await run(compileQueries([...betweens, q('cursorAfter', undefined, ['r1'])], target))).toEqual(['r2', 'r5']);
    // 100 queries × 500 values.
    const lists = Array.from({ length: 100 }, (_, i) => q('equal', '$sequence', Array.from({ length: 500 }, (_, j) => ((i + j) % 5) + 1)));
    expect(await run(compileQueries(lists, target))).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    const wide = JSON.stringify({ method: 'or', values: Array.from({ length: 4 }, (_, i) => ({ method: 'contains', attribute: 'tags', values: ['b', `t${i}`] })) });
    expect(await run(compileQueries(Array(100).fill(wide), target))).toEqual(['r1']);
    // The largest inputs would compile past D1's 100 KB statement limit: refused as too complex.
    const leaf = { method: 'equal', attribute: 'count', values: [1] };
    const huge = JSON.stringify({ method: 'or', values: Array(75).fill(leaf) });
    expect(huge.length).toBeLessThanOrEqual(4096);
    expect(errorOf(() => compileQueries(Array(100).fill(huge), target)).message).toBe('Invalid query: The queries are too complex to run');
  });

  it('runs orderRandom over the filtered rows', async () => {
    const compiled = compile(parseQueries([q('orderRandom'), q('isNotNull', 'count'), q('limit', undefined, [3])], target), target);
    expect(compiled.orderBy).toContain('random()');
    const stmt = listSql(target, compiled, { columns: '_uid' });
    const ids = (await env.DB.prepare(stmt.sql).bind(...stmt.params).all<{ _uid: string }>()).results.map((r) => r._uid);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(['r1', 'r2', 'r4', 'r5']).toContain(id);
  });
});
