/**
 * fast-check generators for query property tests: rows of TEST_TABLE (client shape, see
 * oracle.ts) and query lists over them, each labelled valid or invalid. Values come from small
 * pools plus the rows' own values so filters hit, and include strings that break naive SQL,
 * LIKE and FTS5 handling. Reusable by endpoint-level tests (create TEST_TABLE's columns through
 * the API, insert `rowsArb` rows, send `queryCaseArb` queries, compare with `runOracle`).
 */
import fc from 'fast-check';
import type { OracleRow } from './oracle';

export const WORDS = ['alpha', 'Alpha', 'ALPHA', 'alphabet', 'beta', 'bet', 'gamma', 'café', 'cafe', 'über', 'niño', 'жук', '中文', 'x1', '42', 'and', 'OR', 'NOT', 'near', 'NEAR'];
const SEPARATORS = [' ', ' ', ' ', '-', ', ', '_', '"', '*', '(', ')', ':', '^', '+', "'", ' 😀 ', '/', '.'];

/** Quotes, LIKE wildcards, the escape char, FTS5 syntax, unicode and lookalikes. */
export const NASTY = [
  '', ' ', 'a', 'A', 'abc', 'ABC', 'a%b', 'a_b', '%', '_', '\\', 'a\\b', '\\%', "'", "''", '"', '""', "O'Brien", 'Robert"); DROP TABLE t_900;--',
  '50%', '100%_done', 'ünïcödé', 'ÜNÏCÖDÉ', '😀', 'a😀b', '\uFFFF', '\uE000', '日本', 'null', 'NULL', '  lead', 'trail  ',
  '*', '(', ')', 'NEAR(a b)', 'a OR b', 'alpha*', '-alpha', 'title:alpha', '^alpha', '{f0}: alpha', '%_\\', '[1]', '{"a":1}',
];
export const TAGS = ['a', 'b', 'A', 'a%', '_', '😀', 'x y', '"q"', '', 'null'];
export const DATES = [
  '0001-01-01T00:00:00.000+00:00', '1999-12-31T23:59:59.999+00:00', '2020-01-01T00:00:00.000+00:00',
  '2020-01-01T00:00:00.001+00:00', '2020-06-15T12:30:00.000+00:00', '2026-11-25T17:40:00.000+00:00', '9999-12-31T23:59:59.999+00:00',
];
const BIGS = [2147483648, -2147483649, 9007199254740993n, -9007199254740993n, 9223372036854775807n, -9223372036854775808n];
const SCORES = [-1.5, 0, 0.1, 2, 2.5, 1e10, 3.25];

/** JSON with bigints as bare number literals, as json-bigint (node-appwrite) writes them. */
export function json(value: unknown): string {
  const marked = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `\u0000big:${v}` : v));
  return marked.replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 6 });
const noNul = (s: string) => !s.includes('\u0000');

const titleArb = fc
  .array(fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(...SEPARATORS)), { maxLength: 5 })
  .map((parts) => parts.map(([w, s]) => w + s).join('').trim());
const nameArb = fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'grapheme', maxLength: 6 }).filter(noNul));

/** Rows in client shape with unique ids, sparse `$sequence` and nulls everywhere but the system fields. */
export function rowsArb(opts: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<OracleRow[]> {
  const row = fc.record({
    $createdAt: fc.constantFrom(...DATES),
    $updatedAt: fc.constantFrom(...DATES),
    title: nullable(titleArb),
    name: nullable(nameArb),
    count: nullable(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: -3, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom(...BIGS) })),
    score: nullable(fc.constantFrom(...SCORES)),
    flag: nullable(fc.boolean()),
    when: nullable(fc.constantFrom(...DATES)),
    tags: nullable(fc.array(fc.constantFrom(...TAGS), { maxLength: 3 })),
    nums: nullable(fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 3 })),
  });
  return fc.array(row, { minLength: opts.minLength ?? 200, maxLength: opts.maxLength ?? 300 }).chain((rows) =>
    fc.array(fc.constantFrom('r', 'R', 'a.', 'z-', '0x', 'm_'), { minLength: rows.length, maxLength: rows.length }).map((prefixes) =>
      rows.map((r, i) => ({ $id: `${prefixes[i]}${i}`, $sequence: i * 3 + 1, ...r }) as OracleRow),
    ),
  );
}

export interface QueryCase {
  queries: string[];
  valid: boolean;
  /** What makes an invalid case invalid. */
  why?: string;
}

type Kind = 'text' | 'integer' | 'real' | 'boolean' | 'datetime';
interface Attr {
  name: string;
  kind: Kind;
  array: boolean;
  fulltext?: boolean;
}

export const ATTRS: Attr[] = [
  { name: '$id', kind: 'text', array: false },
  { name: '$sequence', kind: 'integer', array: false },
  { name: '$createdAt', kind: 'datetime', array: false },
  { name: '$updatedAt', kind: 'datetime', array: false },
  { name: 'title', kind: 'text', array: false, fulltext: true },
  { name: 'name', kind: 'text', array: false },
  { name: 'count', kind: 'integer', array: false },
  { name: 'score', kind: 'real', array: false },
  { name: 'flag', kind: 'boolean', array: false },
  { name: 'when', kind: 'datetime', array: false },
  { name: 'tags', kind: 'text', array: true },
  { name: 'nums', kind: 'integer', array: true },
];

/** Other spellings of the same instant, which the parser must normalise. */
function dateSpellings(d: string): string[] {
  const ms = Date.parse(d);
  const out = [d, new Date(ms).toISOString()];
  if (ms % 1000 === 0) out.push(new Date(ms).toISOString().replace('.000Z', 'Z'));
  if (d.startsWith('2020')) out.push(new Date(ms + 3_600_000).toISOString().slice(0, 23) + '+01:00');
  if (d.endsWith('T00:00:00.000+00:00')) out.push(d.slice(0, 10));
  return out;
}

const SEARCHES = ['alpha', 'alp', 'ALPHA bet', '"alpha beta"', '"beta"', 'cafe', 'CAFÉ', 'Über', '中文', 'x1 42', 'al*', 'NEAR(alpha gamma)',
  'alpha OR', 'NOT alpha', '-beta', 'title:alpha', 'f0:alpha', '^alpha', '(', '"', '""', '*', '', '  ', '😀', "'", 'a"b', 'and',
  'cafe\u0301', 'cafe\u0301 cr\u00e8me', '"NI\u00d1O"', 'ni\u00f1'];

export function queryCaseArb(rows: OracleRow[]): fc.Arbitrary<QueryCase> {
  const present = (attr: string) => [...new Set(rows.map((r) => r[attr]).filter((v) => v !== null && v !== undefined))];
  const pick = <T>(xs: T[], fallback: fc.Arbitrary<T>) => (xs.length ? fc.oneof(fc.constantFrom(...xs), fallback) : fallback);
  const ids = rows.map((r) => r.$id as string);

  const scalar = (a: Attr): fc.Arbitrary<unknown> => {
    if (a.array) {
      return a.kind === 'text' ? fc.constantFrom(...TAGS, ...NASTY.slice(0, 8)) : fc.oneof(fc.integer({ min: -2, max: 4 }), fc.constantFrom(...BIGS));
    }
    switch (a.kind) {
      case 'text': {
        const have = present(a.name) as string[];
        const sub = have.length
          ? fc.tuple(fc.constantFrom(...have), fc.nat(), fc.nat()).map(([s, i, j]) => s.slice(Math.min(i, j) % (s.length + 1), Math.max(i, j) % (s.length + 1)))
          : fc.constant('a');
        return fc.oneof(pick(have, fc.constantFrom(...NASTY)), fc.constantFrom(...NASTY), fc.constantFrom(...WORDS), sub);
      }
      case 'integer': {
        const base = fc.oneof(pick(present(a.name), fc.integer({ min: -4, max: 6 })), fc.integer({ min: -4, max: 6 }), fc.constantFrom(...BIGS));
        return a.name === '$sequence' ? fc.oneof(base.filter((v) => v === null || Number(v) >= 1), fc.integer({ min: 1, max: 900 }).map(String)) : base;
      }
      case 'real':
        return fc.oneof(fc.constantFrom(...SCORES, 2.49, 1e300, -0.5), fc.integer({ min: -2, max: 3 }));
      case 'boolean':
        return fc.boolean();
      case 'datetime':
        return fc.constantFrom(...DATES.flatMap(dateSpellings));
    }
  };

  const some = (a: Attr, max = 4) => fc.array(scalar(a), { minLength: 1, maxLength: max });
  const leaf = (a: Attr): fc.Arbitrary<object> => {
    // Long value lists are cut to fit a query's 4096 characters.
    const at = (method: string, values: fc.Arbitrary<unknown[]>) =>
      values.map((v) => {
        const q = { method, attribute: a.name, values: v };
        while (q.values.length > 1 && json(q).length > 4096) q.values = q.values.slice(0, Math.floor(q.values.length * 0.8));
        return q;
      });
    const nulls: fc.Arbitrary<object>[] = [
      fc.constant({ method: 'isNull', attribute: a.name }),
      fc.constant({ method: 'isNotNull', attribute: a.name, values: [] }),
    ];
    if (a.array) {
      return fc.oneof(
        ...['contains', 'containsAny', 'notContains', 'containsAll'].map((m) => at(m, some(a))),
        ...nulls,
      );
    }
    const one = scalar(a).map((v) => [v]);
    const arbs: fc.Arbitrary<object>[] = [
      at('equal', fc.oneof({ weight: 9, arbitrary: some(a) }, { weight: 1, arbitrary: some(a, 500) })),
      ...['notEqual', 'lessThan', 'lessThanEqual', 'greaterThan', 'greaterThanEqual'].map((m) => at(m, one)),
      ...['between', 'notBetween'].map((m) => at(m, fc.tuple(scalar(a), scalar(a)))),
      ...nulls,
    ];
    if (a.kind === 'text') {
      arbs.push(...['startsWith', 'endsWith', 'notStartsWith', 'notEndsWith'].map((m) => at(m, one)));
      arbs.push(...['contains', 'containsAny', 'notContains'].map((m) => at(m, some(a))));
    }
    if (a.fulltext) arbs.push(...['search', 'notSearch'].map((m) => at(m, fc.constantFrom(...SEARCHES, ...WORDS).map((s) => [s]))));
    if (a.name === '$createdAt' || a.name === '$updatedAt') {
      const prefix = a.name === '$createdAt' ? 'created' : 'updated';
      arbs.push(scalar(a).map((v) => ({ method: `${prefix}Before`, values: [v] })));
      arbs.push(scalar(a).map((v) => ({ method: `${prefix}After`, values: [v] })));
      arbs.push(fc.tuple(scalar(a), scalar(a)).map((v) => ({ method: `${prefix}Between`, values: v })));
    }
    return fc.oneof(...arbs);
  };
  // Words, prefixes and phrases from the stored titles, so searches hit.
  const titleWords = (present('title') as string[]).map((t) => t.match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length);
  const searchValue = titleWords.length
    ? fc.oneof(
        fc.constantFrom(...SEARCHES),
        fc.tuple(fc.constantFrom(...titleWords), fc.nat(), fc.nat({ max: 3 }), fc.boolean()).map(([ws, at, n, quoted]) => {
          const phrase = ws.slice(at % ws.length, (at % ws.length) + n + 1).join(quoted ? ' ' : ', ');
          return quoted ? `"${phrase}"` : phrase.slice(0, Math.max(1, phrase.length - n));
        }),
      )
    : fc.constantFrom(...SEARCHES);
  const searchLeaf = fc
    .tuple(fc.constantFrom('search', 'search', 'notSearch'), searchValue)
    .map(([method, v]) => ({ method, attribute: 'title', values: [v] }));
  const anyLeaf = fc.oneof({ weight: ATTRS.length, arbitrary: fc.oneof(...ATTRS.map(leaf)) }, { weight: 2, arbitrary: searchLeaf });

  // Up to four and/or levels: within the parser's limit of five.
  const filterAt = (level: number): fc.Arbitrary<object> =>
    level >= 4
      ? anyLeaf
      : fc.oneof(
          { weight: 4, arbitrary: anyLeaf },
          {
            weight: 1,
            arbitrary: fc
              .tuple(fc.constantFrom('and', 'or'), fc.array(filterAt(level + 1), { minLength: 2, maxLength: 4 }))
              .map(([method, values]) => ({ method, values })),
          },
        );
  const filter = filterAt(1);

  const order = fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom('orderAsc', 'orderDesc'), fc.constantFrom(...ATTRS)).map(([method, a]) => ({ method, attribute: a.name })) },
    { weight: 1, arbitrary: fc.constant({ method: 'orderAsc' }) },
    { weight: 1, arbitrary: fc.constant({ method: 'orderDesc', attribute: '' }) },
    { weight: 1, arbitrary: fc.constant({ method: 'orderRandom' }) },
  );
  const limit = fc.oneof(fc.integer({ min: 1, max: 30 }), fc.constantFrom(1, 5000)).map((n) => ({ method: 'limit', values: [n] }));
  const offset = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 400 })).map((n) => ({ method: 'offset', values: [n] }));
  const cursor = fc
    .tuple(fc.constantFrom('cursorAfter', 'cursorBefore'), fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...ids) }, { weight: 1, arbitrary: fc.constant('missing-id') }))
    .map(([method, id]) => ({ method, values: [id] }));
  const select = fc
    .subarray(['$id', 'title', 'tags', '$permissions', '*', '$createdAt'], { minLength: 1 })
    .map((values) => ({ method: 'select', values }));

  const valid: fc.Arbitrary<QueryCase> = fc
    .record({
      filters: fc.array(filter, { maxLength: 4 }),
      orders: fc.array(order, { maxLength: 3 }),
      limit: fc.option(fc.array(limit, { minLength: 1, maxLength: 2 }), { nil: [] }),
      offset: fc.option(offset, { nil: null }),
      cursor: fc.option(cursor, { nil: null, freq: 3 }),
      select: fc.option(select, { nil: null, freq: 4 }),
    })
    .map((c) => {
      const random = c.orders.some((o) => (o as { method: string }).method === 'orderRandom');
      const parts = [...c.filters, ...c.orders, ...c.limit, c.offset, random ? null : c.cursor, c.select].filter((p) => p !== null);
      return { queries: parts.map(json), valid: true };
    })
    .filter((c) => c.queries.every((q) => q.length <= 4096));

  // Many filters at once: more parameters than a statement may bind directly.
  const wide: fc.Arbitrary<QueryCase> = fc
    .tuple(fc.array(filterAt(3), { minLength: 40, maxLength: 100 }), fc.option(cursor, { nil: null }))
    .map(([filters, c]) => {
      const loose = filters.map((f) => ({ method: 'or', values: [f, { method: 'isNotNull', attribute: 'name' }] }));
      return { queries: [...loose, ...(c ? [c] : [])].map(json), valid: true };
    })
    .filter((c) => c.queries.every((q) => q.length <= 4096));

  const bad = (why: string, ...texts: string[]) => ({ why, texts });
  const badQuery = fc.oneof(
    fc.constantFrom(
      bad('not json', 'not json'), bad('truncated json', '{"method":'), bad('json array', '[]'), bad('json string', '"equal"'),
      bad('json number', '42'), bad('json null', 'null'),
      bad('unknown method', json({ method: 'nope', attribute: 'title', values: ['a'] })),
      bad('method not a string', json({ method: 5, values: [] })),
      bad('attribute not a string', json({ method: 'equal', attribute: 5, values: [1] })),
      bad('values not an array', json({ method: 'equal', attribute: 'title', values: 'x' })),
      bad('unknown attribute', json({ method: 'equal', attribute: 'nope', values: ['x'] })),
      bad('internal attribute', json({ method: 'equal', attribute: '$permissions', values: ['x'] })),
      bad('text value on integer', json({ method: 'equal', attribute: 'count', values: ['1'] })),
      bad('number on text', json({ method: 'equal', attribute: 'title', values: [1] })),
      bad('string on boolean', json({ method: 'equal', attribute: 'flag', values: ['true'] })),
      bad('bad date', json({ method: 'lessThan', attribute: 'when', values: ['not a date'] })),
      bad('bad month', json({ method: 'greaterThan', attribute: '$createdAt', values: ['2020-13-01'] })),
      bad('string on real', json({ method: 'equal', attribute: 'score', values: ['1.5'] })),
      bad('fraction on integer', json({ method: 'equal', attribute: 'count', values: [1.5] })),
      bad('null value', json({ method: 'equal', attribute: 'title', values: [null] })),
      bad('beyond int64', '{"method":"equal","attribute":"count","values":[9223372036854775808]}'),
      bad('too many values', json({ method: 'equal', attribute: 'title', values: Array(501).fill('a') })),
      bad('limit 0', json({ method: 'limit', values: [0] })), bad('limit 5001', json({ method: 'limit', values: [5001] })),
      bad('limit string', json({ method: 'limit', values: ['5'] })), bad('limit fraction', json({ method: 'limit', values: [1.5] })),
      bad('limit without value', json({ method: 'limit', values: [] })), bad('negative offset', json({ method: 'offset', values: [-1] })),
      bad('offset string', json({ method: 'offset', values: ['x'] })),
      bad('empty cursor', json({ method: 'cursorAfter', values: [''] })), bad('cursor leading _', json({ method: 'cursorBefore', values: ['_x'] })),
      bad('cursor space', json({ method: 'cursorAfter', values: ['a b'] })), bad('cursor 37 chars', json({ method: 'cursorAfter', values: ['a'.repeat(37)] })),
      bad('cursor number', json({ method: 'cursorAfter', values: [5] })),
      bad('search without index', json({ method: 'search', attribute: 'name', values: ['a'] })),
      bad('search on integer', json({ method: 'search', attribute: 'count', values: [1] })),
      bad('equal on array', json({ method: 'equal', attribute: 'tags', values: ['a'] })),
      bad('lessThan on array', json({ method: 'lessThan', attribute: 'nums', values: [1] })),
      bad('contains on integer', json({ method: 'contains', attribute: 'count', values: [1] })),
      bad('containsAll on text', json({ method: 'containsAll', attribute: 'title', values: ['a'] })),
      bad('startsWith on integer', json({ method: 'startsWith', attribute: 'count', values: [1] })),
      bad('or with one query', json({ method: 'or', values: [{ method: 'isNull', attribute: 'title' }] })),
      bad('limit inside or', json({ method: 'or', values: [{ method: 'isNull', attribute: 'title' }, { method: 'limit', values: [1] }] })),
      bad('string inside and', json({ method: 'and', values: [{ method: 'isNull', attribute: 'title' }, 'x'] })),
      bad('too deep', json([1, 2, 3, 4, 5].reduce<object>((inner) => ({ method: 'or', values: [inner, { method: 'isNull', attribute: 'name' }] }), { method: 'and', values: [{ method: 'isNull', attribute: 'title' }, { method: 'isNull', attribute: 'name' }] }))),
      bad('equal without values', json({ method: 'equal', attribute: 'title', values: [] })),
      bad('equal with empty list', json({ method: 'equal', attribute: 'title', values: [[]] })),
      bad('between with one value', json({ method: 'between', attribute: 'count', values: [1] })),
      bad('notBetween with three', json({ method: 'notBetween', attribute: 'count', values: [1, 2, 3] })),
      bad('notEqual with two', json({ method: 'notEqual', attribute: 'title', values: ['a', 'b'] })),
      bad('empty select', json({ method: 'select', values: [] })), bad('select number', json({ method: 'select', values: [5] })),
      bad('select duplicate', json({ method: 'select', values: ['title', 'title'] })), bad('select unknown', json({ method: 'select', values: ['nope'] })),
      bad('regex', json({ method: 'regex', attribute: 'title', values: ['a.*'] })), bad('exists', json({ method: 'exists', values: ['title'] })),
      bad('elemMatch', json({ method: 'elemMatch', attribute: 'tags', values: [] })), bad('vector', json({ method: 'vectorDot', attribute: 'nums', values: [[1]] })),
      bad('order unknown', json({ method: 'orderAsc', attribute: 'nope' })),
      bad('cursor with random', json({ method: 'orderRandom' }), json({ method: 'cursorAfter', values: [ids[0] ?? 'x'] })),
      bad('sugar bad date', json({ method: 'createdBefore', values: ['yesterday'] })),
      bad('sugar without value', json({ method: 'updatedAfter', values: [] })),
      bad('too long', json({ method: 'equal', attribute: 'title', values: ['x'.repeat(4100)] })),
      bad('NUL in value', json({ method: 'equal', attribute: 'name', values: ['a\u0000b'] })),
      bad('year 10000', json({ method: 'lessThan', attribute: 'when', values: ['10000-01-01T00:00:00Z'] })),
    ),
    fc.array(anyLeaf, { minLength: 101, maxLength: 101 }).map((leaves) => bad('101 queries', ...leaves.map(json))),
  );

  const invalid: fc.Arbitrary<QueryCase> = fc.tuple(valid, badQuery, fc.nat()).map(([v, b, at]) => {
    if (b.why === '101 queries') return { queries: b.texts, valid: false, why: b.why };
    const i = at % (v.queries.length + 1);
    const queries = [...v.queries.slice(0, i), ...b.texts, ...v.queries.slice(i)];
    return { queries, valid: false, why: b.why };
  });

  return fc.oneof({ weight: 40, arbitrary: valid }, { weight: 1, arbitrary: wide }, { weight: 10, arbitrary: invalid });
}
