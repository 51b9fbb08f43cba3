import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors';
import { matchesPayload, parseRuntimeQueries } from './index';

const q = (method: string, attribute?: string, values?: unknown[]) => JSON.stringify({ method, attribute, values });
const matches = (queries: string[], payload: Record<string, unknown>) => matchesPayload(parseRuntimeQueries(queries).filter, payload);

function refusal(queries: unknown[]): string {
  try {
    parseRuntimeQueries(queries);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).message;
  }
  throw new Error('accepted');
}

describe('realtime queries: parsing', () => {
  it('accepts the allowed methods and re-serialises them for the ack', () => {
    const raw = [q('equal', 'status', ['published']), JSON.stringify({ method: 'or', values: [{ method: 'greaterThan', attribute: 'views', values: [10] }, { method: 'isNull', attribute: 'x' }] })];
    const { filter, strings } = parseRuntimeQueries(raw);
    expect(filter).toHaveLength(2);
    expect(strings.map((s) => JSON.parse(s))).toEqual(raw.map((s) => JSON.parse(s)));
  });

  it('treats no queries and select("*") as everything', () => {
    expect(parseRuntimeQueries([]).filter).toBeNull();
    expect(parseRuntimeQueries([q('select', undefined, ['*']), q('equal', 'a', [1])]).filter).toBeNull();
  });

  it.each([
    [[q('startsWith', 'title', ['a'])], "Query method 'startsWith' is not supported in Realtime queries. Allowed: equal, notEqual, lessThan, lessThanEqual, greaterThan, greaterThanEqual, isNull, isNotNull, and, or, select"],
    [[q('limit', undefined, [1])], "Query method 'limit' is not supported in Realtime queries"],
    [[q('nope', 'a', [1])], 'Invalid query method: nope'],
    [[q('select', undefined, ['title'])], 'Only select("*") is allowed in Realtime queries'],
    [['{"method":'], 'Invalid query: Syntax error'],
    [[42], 'Invalid query: Query must be a string'],
    [[q('equal', 'a', [])], 'Equal queries require at least one value'],
    [[q('lessThan', 'a', [1, 2])], 'LessThan queries require exactly one value'],
    [[q('equal', '', [1])], 'require an attribute'],
    [[JSON.stringify({ method: 'and', values: [{ method: 'search', attribute: 'a', values: ['x'] }, { method: 'isNull', attribute: 'b' }] })], "Query method 'search' is not supported"],
    [[JSON.stringify({ method: 'or', values: [{ method: 'isNull', attribute: 'b' }] })], 'Or queries require at least two queries'],
    [[q('equal', 'a', Array(501).fill(1))], 'greater than 500 values'],
    [Array(101).fill(q('isNull', 'a')), 'A maximum of 100 queries is allowed'],
    [['x'.repeat(4097)], 'at most 4096 characters'],
  ])('refuses %j', (queries, message) => {
    expect(refusal(queries)).toContain(message);
  });

  it('refuses and/or nested deeper than five levels', () => {
    let node: unknown = { method: 'isNull', attribute: 'a' };
    for (let i = 0; i < 6; i++) node = { method: 'and', values: [node, { method: 'isNull', attribute: 'b' }] };
    expect(refusal([JSON.stringify(node)])).toContain('nested at most 5 levels');
  });
});

describe('realtime queries: evaluation', () => {
  const row = { $id: 'r1', status: 'published', views: 12, score: 1.5, note: null, tags: ['a', 'b'], flag: true, version: '10' };

  it.each([
    [[q('equal', 'status', ['draft', 'published'])], true],
    [[q('equal', 'status', ['draft'])], false],
    [[q('equal', 'views', ['12'])], false], // strictly typed: a string never equals a number
    [[q('equal', 'tags', [['a', 'b']])], true],
    [[q('notEqual', 'status', ['draft'])], true],
    [[q('notEqual', 'status', ['published'])], false],
    [[q('lessThan', 'views', [13])], true],
    [[q('lessThan', 'views', [12])], false],
    [[q('lessThanEqual', 'views', [12])], true],
    [[q('greaterThan', 'score', [1])], true],
    [[q('greaterThanEqual', 'score', [1.5])], true],
    [[q('greaterThan', 'views', ['5'])], false], // number against string: no order
    [[q('greaterThan', 'version', ['9'])], true], // numeric strings compare as numbers, as PHP does
    [[q('greaterThan', 'status', ['a'])], true],
    [[q('isNull', 'note')], true],
    [[q('isNull', 'status')], false],
    [[q('isNull', 'missing')], false],
    [[q('isNotNull', 'status')], true],
    [[q('isNotNull', 'missing')], false],
    [[q('equal', 'status', ['published']), q('greaterThan', 'views', [100])], false],
    [[JSON.stringify({ method: 'or', values: [{ method: 'greaterThan', attribute: 'views', values: [100] }, { method: 'equal', attribute: 'flag', values: [true] }] })], true],
    [[JSON.stringify({ method: 'and', values: [{ method: 'greaterThan', attribute: 'views', values: [1] }, { method: 'equal', attribute: 'missing', values: [1] }] })], false],
  ])('%j → %s', (queries, expected) => {
    expect(matches(queries, row)).toBe(expected);
  });
});
