/**
 * Random rows in a real D1 table, random query lists (valid and invalid) against them: every
 * valid list must return exactly the oracle's rows in the oracle's order (and count), every
 * invalid one must fail with `general_query_invalid`, and nothing else may throw.
 */
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { ApiError } from '../errors';
import { assertCursorRow, compile, countSql, cursorRowSql, finishPage, listSql, parseQueries, type CompiledQuery } from './index';
import { queryCaseArb, rowsArb, type QueryCase } from './testing/arbitraries';
import { createTestTable, TEST_TARGET } from './testing/fixture';
import { runOracle, tiebreakOf, type OracleResult, type OracleRow } from './testing/oracle';

const target = TEST_TARGET;
const CASES_PER_RUN = 100;
const RUNS = 105;

interface Planned {
  c: QueryCase;
  compiled: CompiledQuery;
  expected: OracleResult;
  /** Filtered rows regardless of paging, for orderRandom. */
  pool: Set<unknown>;
  stmts: { sql: string; params: unknown[] }[];
}

const show = (c: QueryCase) => `${c.valid ? 'valid' : `invalid (${c.why})`} case:\n  ${c.queries.join('\n  ')}`;

/** Compiles a case; returns null for a correctly rejected invalid case. */
function plan(c: QueryCase, rows: OracleRow[], i: number): Planned | null {
  const packed = i % 2 === 1;
  let compiled: CompiledQuery;
  let parsed;
  try {
    parsed = parseQueries(c.queries, target);
    // Half the cases run with a tiny parameter budget, which forces the packed (one JSON parameter) form.
    compiled = compile(parsed, target, packed ? { paramBudget: 2 } : {});
  } catch (err) {
    if (!(err instanceof ApiError) || err.type !== 'general_query_invalid') throw new Error(`unexpected ${String(err)}\n${show(c)}`);
    if (c.valid) throw new Error(`rejected: ${err.message}\n${show(c)}`);
    if (!err.message) throw new Error(`rejection without a message\n${show(c)}`);
    return null;
  }
  if (!c.valid) throw new Error(`accepted an invalid query\n${show(c)}`);
  expect(compiled.where.params.length).toBeLessThanOrEqual(80);
  // The tiebreaker's direction is the compiler's choice (an index's scan direction); the rows must agree with it.
  const tiebreak = tiebreakOf(compiled, parsed, target);
  if (tiebreak === 'desc' && !parsed.orders.some((o) => o.attribute === '$createdAt' || o.attribute === '$updatedAt')) bump('tiebreak-desc');
  const expected = runOracle(parsed, rows, { tiebreak });
  const all = compiled.random ? runOracle({ ...parsed, cursor: null, limit: 5000, offset: 0 }, rows) : null;
  const pool = new Set(all?.ok ? all.rows.map((r) => r.$sequence) : []);
  // Statement order: list, cursor row (if any), count (every fourth case: it is the list's WHERE again).
  const stmts = [listSql(target, compiled, { columns: '_seq' })];
  const cursor = cursorRowSql(target, compiled);
  if (cursor) stmts.push(cursor);
  if (i % 4 < 2) stmts.push(countSql(target, compiled));
  return { c, compiled, expected, pool, stmts };
}

const stats: Record<string, number> = {};
const bump = (k: string) => (stats[k] = (stats[k] ?? 0) + 1);
function verify(p: Planned, results: D1Result<Record<string, unknown>>[]) {
  if (p.compiled.filter.sql.includes('AS _q)')) bump('packed');
  if (p.compiled.filter.params.length > 60) bump('wide');
  if (p.compiled.cursor) bump(`cursor-${p.compiled.cursor.direction}`);
  if (p.compiled.random) bump('random');
  if (!p.expected.ok) bump(p.expected.error);
  else if (p.expected.rows.length) bump(p.c.queries.some((q) => q.includes('"search"')) ? 'search-hit' : 'nonempty');
  const [list, ...rest] = results;
  const cursor = p.compiled.cursor ? rest.shift()! : null;
  const count = rest.shift();
  if (p.compiled.cursor) {
    let error: string | null = null;
    try {
      assertCursorRow(cursor!.results[0] ?? null, p.compiled);
    } catch (err) {
      error = (err as ApiError).type;
    }
    if (!p.expected.ok) {
      if (error !== p.expected.error) throw new Error(`expected ${p.expected.error}, got ${error}\n${show(p.c)}`);
      return;
    }
    if (error) throw new Error(`unexpected ${error}\n${show(p.c)}`);
  }
  if (!p.expected.ok) throw new Error(`oracle expected ${p.expected.error} without a cursor\n${show(p.c)}`);
  const got = finishPage(list.results.map((r) => r._seq), p.compiled);
  const want = p.expected.rows.map((r) => r.$sequence);
  const context = () => `\nwhere: ${p.compiled.where.sql}\nparams: ${JSON.stringify(p.compiled.where.params)}\norder: ${p.compiled.orderBy}\n${show(p.c)}`;
  if (p.compiled.random) {
    if (got.length !== want.length || new Set(got).size !== got.length || !got.every((s) => p.pool.has(s))) {
      throw new Error(`random page wrong: got ${JSON.stringify(got)}, want ${want.length} of the filtered rows${context()}`);
    }
  } else if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`rows differ\n got: ${JSON.stringify(got)}\nwant: ${JSON.stringify(want)}${context()}`);
  }
  if (count && count.results[0].total !== p.expected.total) throw new Error(`total ${count.results[0].total} != ${p.expected.total}${context()}`);
}

async function runBatch(db: D1Database, plans: Planned[]) {
  const stmts = plans.flatMap((p) => p.stmts.map((s) => db.prepare(s.sql).bind(...s.params)));
  let results: D1Result<Record<string, unknown>>[];
  try {
    results = await db.batch<Record<string, unknown>>(stmts);
  } catch {
    // Find the statement D1 refused and name its case.
    for (const p of plans) {
      for (const s of p.stmts) {
        try {
          await db.prepare(s.sql).bind(...s.params).all();
        } catch (err) {
          throw new Error(`D1 refused: ${String(err)}\nsql: ${s.sql}\nparams: ${JSON.stringify(s.params)}\n${show(p.c)}`);
        }
      }
    }
    throw new Error('batch failed but every statement runs alone');
  }
  let i = 0;
  for (const p of plans) {
    verify(p, results.slice(i, i + p.stmts.length));
    i += p.stmts.length;
  }
}

it(`${CASES_PER_RUN * RUNS} random query lists agree with the oracle`, { timeout: 120_000 }, async () => {
  const seed = Date.now() ^ (Math.random() * 2 ** 31);
  const [rows] = fc.sample(rowsArb(), { numRuns: 1, seed });
  await createTestTable(env.DB, rows);
  let checked = 0;
  const out = await fc.check(
    fc.asyncProperty(fc.array(queryCaseArb(rows), { minLength: CASES_PER_RUN, maxLength: CASES_PER_RUN }), async (cases) => {
      const plans = cases.map((c, i) => plan(c, rows, i)).filter((p): p is Planned => p !== null);
      await runBatch(env.DB, plans);
      checked += cases.length;
    }),
    { numRuns: RUNS, endOnFailure: true },
  );
  // The failing case is in the error; the counterexample (100 cases) would drown it.
  if (out.failed) throw new Error(`rows seed ${seed}, fc seed ${out.seed}: ${(out.errorInstance as Error)?.message}`);
  // The generators must keep reaching every interesting path.
  for (const key of ['nonempty', 'packed', 'wide', 'search-hit', 'cursor-after', 'cursor-before', 'random', 'general_cursor_not_found', 'database_query_order_null', 'tiebreak-desc']) {
    expect(stats[key] ?? 0, `${key} in ${JSON.stringify(stats)}`).toBeGreaterThan(key === 'wide' || key === 'tiebreak-desc' ? 5 : 100);
  }
  expect(checked).toBeGreaterThanOrEqual(10_000);
});
