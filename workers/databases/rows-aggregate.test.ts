/**
 * Aggregation against the TypeScript oracle (lib/query/testing) with row permissions on: random
 * rows readable by A, by B, by anyone or nobody; random filters, metrics and groupings; what user
 * A gets must equal the oracle's aggregate over exactly the rows A may read that match.
 */
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieName } from '../../test/browser';
import { call, errorOf, okJson, rootKey, signedInUser } from '../../test/helpers';
import { parseQueries } from '../lib/query';
import { matches, type OracleRow } from '../lib/query/testing/oracle';
import { queryTargetFor } from './query-target';
import { loadTable } from './schema-store';

type Json = Record<string, unknown>;
const root = (method: string, path: string, json?: unknown) => call(path, { method, key: rootKey(), json });
let db = '';
let rows = '';
let a = { id: '', headers: {} as Record<string, string> };
let b = { id: '', headers: {} as Record<string, string> };

beforeAll(async () => {
  db = `ag${crypto.randomUUID().slice(0, 8)}`;
  await okJson(await root('POST', '/v1/tablesdb', { databaseId: db, name: 'Agg' }), 201);
  // No table-level read: every row's own permissions decide who reads it.
  await okJson(await root('POST', `/v1/tablesdb/${db}/tables`, { tableId: 't', name: 'T', permissions: [], rowSecurity: true }), 201);
  await okJson(await root('POST', `/v1/tablesdb/${db}/tables/t/columns/string`, { key: 'cat', size: 5, required: false }), 202);
  await okJson(await root('POST', `/v1/tablesdb/${db}/tables/t/columns/integer`, { key: 'price', required: false }), 202);
  await okJson(await root('POST', `/v1/tablesdb/${db}/tables/t/columns/float`, { key: 'score', required: false }), 202);
  await okJson(await root('POST', `/v1/tablesdb/${db}/tables/t/columns/boolean`, { key: 'flag', required: false }), 202);
  rows = `/v1/tablesdb/${db}/tables/t/rows`;
  for (const who of [a, b]) {
    const u = await signedInUser();
    who.id = u.user.id;
    who.headers = { Cookie: `${sessionCookieName()}=${u.cookieValue}` };
  }
});

const asA = (path: string) => call(path, { headers: a.headers });
const q = (method: string, attribute: string, values: unknown[]) => JSON.stringify({ method, attribute, values });

const rowArb = fc.record({
  cat: fc.constantFrom('a', 'b', 'c', null),
  price: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constant(null)),
  score: fc.oneof(fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
  flag: fc.constantFrom(true, false, null),
  reader: fc.constantFrom('A', 'B', 'any', 'none'),
});
const filterArb = fc.constantFrom(
  [] as string[],
  [q('equal', 'cat', ['a'])],
  [q('greaterThan', 'price', [0])],
  [q('lessThanEqual', 'score', [10.5])],
  [q('isNull', 'price', [])],
  [q('notEqual', 'cat', ['b']), q('isNotNull', 'score', [])],
  [JSON.stringify({ method: 'or', values: [JSON.parse(q('equal', 'flag', [true])), JSON.parse(q('lessThan', 'price', [-500]))] })],
);
const metricsArb = fc.subarray(['count', 'sum:price', 'avg:price', 'min:price', 'max:price', 'sum:score', 'avg:score', 'min:score', 'max:score', 'min:cat', 'max:cat'], { minLength: 1 });
const groupArb = fc.subarray(['cat', 'flag'], { maxLength: 2 });

type Sample = { cat: string | null; price: number | null; score: number | null; flag: boolean | null; reader: string };

function oracle(samples: Sample[], queries: string[], metrics: string[], groupBy: string[], target: ReturnType<typeof queryTargetFor>) {
  const filters = parseQueries(queries, target).filters;
  const readable = samples
    .map((s, i): OracleRow => ({ $id: `r${i}`, $sequence: i + 1, cat: s.cat, price: s.price, score: s.score, flag: s.flag, reader: s.reader }))
    .filter((r) => r.reader === 'A' || r.reader === 'any')
    .filter((r) => filters.every((f) => matches(f, r)));
  const groups = new Map<string, OracleRow[]>();
  for (const r of readable) {
    const key = JSON.stringify(groupBy.map((g) => r[g] ?? null));
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  if (!groupBy.length && !groups.size) groups.set('[]', []);
  const out = new Map<string, Json>();
  for (const [key, members] of groups) {
    const m: Json = {};
    for (const name of metrics) {
      const [fn, attr] = name.split(':');
      const vals = members.map((r) => r[attr]).filter((v) => v !== null && v !== undefined) as (number | string)[];
      if (fn === 'count') m[name] = members.length;
      else if (!vals.length) m[name] = fn === 'sum' && attr === 'score' ? 0 : null;
      else if (fn === 'sum') m[name] = (vals as number[]).reduce((x, y) => x + y, 0);
      else if (fn === 'avg') m[name] = (vals as number[]).reduce((x, y) => x + y, 0) / vals.length;
      else m[name] = vals.reduce((x, y) => ((fn === 'min' ? y < x : y > x) ? y : x));
    }
    out.set(key, m);
  }
  return out;
}

function close(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
  return actual === expected;
}

describe('aggregation (Ledge extension)', () => {
  it('matches the oracle over the rows the caller may read', async () => {
    const table = await loadTable(env.DB, db, 't');
    const target = queryTargetFor(table);
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { maxLength: 25 }), fc.array(fc.tuple(filterArb, metricsArb, groupArb), { minLength: 4, maxLength: 4 }), async (samples, cases) => {
        await okJson(await root('DELETE', rows, { queries: [] }));
        if (samples.length) {
          const docs = samples.map((s, i) => ({
            $id: `r${i}`, cat: s.cat, price: s.price, score: s.score, flag: s.flag,
            $permissions: s.reader === 'none' ? [] : [`read("${s.reader === 'any' ? 'any' : `user:${s.reader === 'A' ? a.id : b.id}`}")`],
          }));
          await okJson(await root('POST', rows, { rows: docs }), 201);
        }
        for (const [queries, metrics, groupBy] of cases) {
          const params = [...queries.map((x) => `queries[]=${encodeURIComponent(x)}`), ...metrics.map((m) => `metrics[]=${encodeURIComponent(m)}`), ...groupBy.map((g) => `groupBy[]=${g}`)];
          const got = await okJson<{ total: number; groups: { group: Json; metrics: Json }[] }>(await asA(`/v1/tablesdb/${db}/tables/t/aggregate?${params.join('&')}`));
          const expected = oracle(samples, queries, metrics, groupBy, target);
          expect(got.total).toBe(expected.size);
          for (const g of got.groups) {
            const want = expected.get(JSON.stringify(groupBy.map((k) => g.group[k] ?? null)));
            expect(want, JSON.stringify({ g, queries, metrics })).toBeDefined();
            for (const name of metrics) expect(close(g.metrics[name], want![name]), `${name}: ${g.metrics[name]} vs ${want![name]} (${queries}, ${groupBy})`).toBe(true);
          }
          checked++;
        }
      }),
      { numRuns: 25 },
    );
    expect(checked).toBe(100);
  });

  it('refuses bad metrics and unreadable tables; strangers count nothing', async () => {
    const agg = `/v1/tablesdb/${db}/tables/t/aggregate`;
    expect(await errorOf(await asA(`${agg}?metrics[]=sum:cat`))).toMatchObject({ code: 400, type: 'general_argument_invalid' });
    expect(await errorOf(await asA(`${agg}?metrics[]=avg:nope`))).toMatchObject({ code: 400 });
    expect(await errorOf(await asA(`${agg}?metrics[]=median:price`))).toMatchObject({ code: 400 });
    await okJson(await root('DELETE', rows, { queries: [] }));
    await okJson(await root('POST', rows, { rows: [{ $id: 'onlyb', price: 7, $permissions: [`read("user:${b.id}")`] }] }), 201);
    const mine = await okJson<{ groups: { metrics: Json }[] }>(await asA(`${agg}?metrics[]=count&metrics[]=sum:price`));
    expect(mine.groups[0].metrics).toEqual({ count: 0, 'sum:price': null });
    const guest = await okJson<{ groups: { metrics: Json }[] }>(await call(`${agg}?metrics[]=count`));
    expect(guest.groups[0].metrics.count).toBe(0);
  });
});
