/**
 * Filters on a related row's column (`author.name`), on hand-built targets against real SQL: the
 * oracle's answer for the related table decides which owners match (random filters, direct and
 * packed), the caller's scope hides related rows it may not read, Appwrite's grouping and
 * refusals hold, and SQLite's plan resolves the related rows once, through indexes.
 */
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors';
import { compile, listSql, parseQueries, type QueryTarget, type RelatedScope } from './index';
import { queryCaseArb, rowsArb } from './testing/arbitraries';
import { createTestTable, TEST_TARGET } from './testing/fixture';
import { runOracle, type OracleRow } from './testing/oracle';

/** Posts whose `author` (one each) and `tags` (many) are rows of the oracle's test table. */
const posts: QueryTarget = {
  table: 'rq_posts',
  idColumn: '_uid',
  seqColumn: '_seq',
  fields: {
    $id: { column: '_uid', kind: 'text', array: false, notNull: true },
    $sequence: { column: '_seq', kind: 'integer', array: false, notNull: true },
    author: { column: '_uid', kind: 'text', array: false, link: { table: 'rq_author', own: 'p', other: 'c' } },
  },
  relations: {
    author: { link: { table: 'rq_author', own: 'p', other: 'c' }, target: TEST_TARGET },
    tags: { link: { table: 'rq_tags', own: 'p', other: 'c' }, target: TEST_TARGET },
  },
};
/** The caller may read related rows whose `$sequence` is odd (one bound parameter). */
const scope: RelatedScope = (_t, alias) => ({ sql: `${alias}._seq % ? != 0`, params: [2] });
const readable = (row: OracleRow) => Number(row.$sequence) % 2 !== 0;

const q = (method: string, attribute?: string, values?: unknown[]) => JSON.stringify({ method, attribute, values });
const FILTERLESS = new Set(['select', 'orderAsc', 'orderDesc', 'orderRandom', 'limit', 'offset', 'cursorAfter', 'cursorBefore']);
const SUGAR = /"method":"(created|updated)(Before|After|Between)"/;

async function ids(queries: string[], opts: { paramBudget?: number; relatedScope?: RelatedScope } = { relatedScope: scope }) {
  const stmt = listSql(posts, compile(parseQueries([...queries, q('limit', undefined, [5000])], posts), posts, opts), { columns: '_uid' });
  return (await env.DB.prepare(stmt.sql).bind(...stmt.params).all<{ _uid: string }>()).results.map((r) => r._uid);
}

/** `x` → `author.x` in every leaf (and/or included), on the text so int64 values stay exact. */
const viaAuthor = (query: string) => query.replaceAll('"attribute":"', '"attribute":"author.');

let related: OracleRow[] = [];
/** Post `p<n>` has author `related[n % len]`; every fifth has none. Post `p<n>` is tagged with two rows. */
async function seed(rows: OracleRow[]) {
  related = rows;
  await createTestTable(env.DB, rows);
  const db = env.DB;
  await db.batch([
    ...['rq_posts', 'rq_author', 'rq_tags'].map((t) => db.prepare(`DROP TABLE IF EXISTS ${t}`)),
    db.prepare('CREATE TABLE rq_posts (_seq INTEGER PRIMARY KEY, _uid TEXT NOT NULL UNIQUE)'),
    db.prepare('CREATE TABLE rq_author (p TEXT NOT NULL, c TEXT NOT NULL, PRIMARY KEY (p, c)) WITHOUT ROWID'),
    db.prepare('CREATE UNIQUE INDEX rq_author_p ON rq_author (p)'),
    db.prepare('CREATE INDEX rq_author_c ON rq_author (c, p)'),
    db.prepare('CREATE TABLE rq_tags (p TEXT NOT NULL, c TEXT NOT NULL, PRIMARY KEY (p, c)) WITHOUT ROWID'),
    db.prepare('CREATE INDEX rq_tags_c ON rq_tags (c, p)'),
  ]);
  const statements: D1PreparedStatement[] = [];
  for (let n = 1; n <= 40; n++) {
    statements.push(db.prepare('INSERT INTO rq_posts (_seq, _uid) VALUES (?, ?)').bind(n, `p${n}`));
    if (rows.length && n % 5 !== 0) statements.push(db.prepare('INSERT INTO rq_author (p, c) VALUES (?, ?)').bind(`p${n}`, rows[n % rows.length].$id));
  }
  await db.batch(statements);
}

/** The posts the oracle says `filters` (on the author) keep: a readable author meeting them all. */
function expected(queries: string[]): string[] {
  const parsed = parseQueries(queries, TEST_TARGET);
  const hit = runOracle({ ...parsed, orders: [], cursor: null, limit: 5000, offset: 0, select: null }, related);
  if (!hit.ok) throw new Error('oracle failed');
  const keep = new Set(hit.rows.filter(readable).map((r) => r.$id));
  const out: string[] = [];
  for (let n = 1; n <= 40; n++) if (related.length && n % 5 !== 0 && keep.has(related[n % related.length].$id)) out.push(`p${n}`);
  return out;
}

describe('filters on a related row’s column', () => {
  it('agree with the oracle on the related rows, under the caller’s scope (direct and packed)', { timeout: 120_000 }, async () => {
    const seed0 = Date.now() ^ (Math.random() * 2 ** 31);
    const [rows] = fc.sample(rowsArb({ minLength: 8 }), { numRuns: 1, seed: seed0 });
    await seed(rows);
    let checked = 0;
    const out = await fc.check(
      fc.asyncProperty(queryCaseArb(rows), fc.boolean(), async (c, packed) => {
        if (!c.valid || c.queries.some((x) => SUGAR.test(x))) return;
        const filters = c.queries.filter((x) => !FILTERLESS.has(JSON.parse(x).method));
        if (filters.length === 0) return;
        const dotted = filters.map(viaAuthor);
        let got: string[];
        try {
          got = await ids(dotted, { relatedScope: scope, paramBudget: packed ? 2 : 80 });
        } catch (e) {
          if (e instanceof ApiError && e.message.includes('Multiple equal queries')) return;
          throw e;
        }
        expect(got, dotted.join('\n')).toEqual(expected(filters));
        checked++;
      }),
      { numRuns: 400, endOnFailure: true },
    );
    if (out.failed) throw new Error(`rows seed ${seed0}, fc seed ${out.seed}: ${(out.errorInstance as Error)?.message}`);
    expect(checked).toBeGreaterThan(100);
  });

  it('never sees a related row outside the scope, and refuses to compile without one', async () => {
    await seed(fc.sample(rowsArb({ minLength: 8 }), { numRuns: 1, seed: 7 })[0]);
    const hidden = related.find((r) => !readable(r))!;
    expect(await ids([q('equal', 'author.$id', [hidden.$id])])).toEqual([]);
    expect(await ids([q('equal', 'author.$sequence', [hidden.$sequence])])).toEqual([]);
    const shown = related.find(readable)!;
    expect((await ids([q('equal', 'author.$id', [shown.$id])])).length).toBeGreaterThan(0);
    await expect(ids([q('equal', 'author.$id', [shown.$id])], {})).rejects.toThrow('relatedScope');
  });

  it('groups ANDed filters on one relationship onto one related row; `or` and containsAll do not', async () => {
    await seed([]);
    const db = env.DB;
    const put = (seq: number, name: string, count: number) =>
      db.prepare(`INSERT INTO t_900 (_seq, _uid, _createdAt, _updatedAt, c_name, c_count) VALUES (?, ?, '2020-01-01', '2020-01-01', ?, ?)`).bind(seq, `r${seq}`, name, count);
    await db.batch([put(1, 'x', 1), put(3, 'y', 2), put(5, 'x', 2)]);
    await db.batch([['p1', 'r1'], ['p1', 'r3'], ['p2', 'r5'], ['p3', 'r7']].map(([p, c]) => db.prepare('INSERT INTO rq_tags (p, c) VALUES (?, ?)').bind(p, c)));
    // p1: tags x/1 and y/2 — no single tag is x with 2; p2: one tag x/2.
    expect(await ids([q('equal', 'tags.name', ['x']), q('equal', 'tags.count', [2])])).toEqual(['p2']);
    expect(await ids([q('and', undefined, [JSON.parse(q('equal', 'tags.name', ['x'])), JSON.parse(q('equal', 'tags.count', [2]))])])).toEqual(['p2']);
    expect(await ids([q('or', undefined, [JSON.parse(q('equal', 'tags.name', ['y'])), JSON.parse(q('equal', 'tags.count', [2]))])])).toEqual(['p1', 'p2']);
    expect(await ids([q('containsAll', 'tags.name', ['x', 'y'])])).toEqual(['p1']);
    // r7 does not exist: a link to nothing matches nothing.
    expect(await ids([q('isNull', 'tags.name')])).toEqual([]);
    expect(() => parseQueries([q('equal', 'tags.name', ['x']), q('equal', 'tags.name', ['y'])], posts)).not.toThrow();
    await expect(ids([q('equal', 'tags.name', ['x']), q('equal', 'tags.name', ['y'])])).rejects.toThrow('Multiple equal queries');
  });

  it('refuses unknown related columns, orders on them and paths past Appwrite’s depth', () => {
    const deep: QueryTarget = { ...posts };
    deep.relations = { a: { link: posts.relations!.author.link, target: deep } };
    for (const [bad, target] of [
      [q('equal', 'author.nope', ['x']), posts],
      [q('equal', 'nope.name', ['x']), posts],
      [q('orderAsc', 'author.name'), posts],
      [q('equal', 'author.count', ['not a number']), posts],
      [q('startsWith', 'author.count', ['1']), posts],
      [q('equal', 'a.a.a.a.$id', ['x']), deep],
    ] as const) {
      expect(() => parseQueries([bad], target), bad).toThrow(ApiError);
    }
    expect(parseQueries([q('equal', 'a.a.a.$id', ['x'])], deep).filters[0]).toMatchObject({ via: [{ key: 'a' }, { key: 'a' }, { key: 'a' }] });
  });

  it('resolves related rows once per statement, through the indexes', async () => {
    await seed([]);
    await env.DB.prepare('CREATE INDEX IF NOT EXISTS t_900_name_only ON t_900 (c_name)').run();
    const stmt = listSql(posts, compile(parseQueries([q('equal', 'author.name', ['x'])], posts), posts, { relatedScope: scope }), { columns: '_uid' });
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${stmt.sql}`).bind(...stmt.params).all<{ detail: string }>();
    const plan = results.map((r) => r.detail).join('; ');
    expect(plan).toMatch(/SEARCH _r1 USING INDEX t_900_name/);
    expect(plan).toMatch(/SEARCH _k1 USING (COVERING )?INDEX rq_author_c/);
    expect(plan).not.toMatch(/SCAN _r1|CORRELATED/);
  });
});
