/**
 * Reads through a transaction answer what the same read answers right after the commit: random
 * staged writes (creates, updates, upserts, deletes, increments, operators, bulk calls) over a few
 * committed rows, then a fixed set of lists (filters, orders, limit/offset, cursors, select, total)
 * and gets with the transactionId, then the commit, then the same reads without it. Time stamps and
 * the `$sequence` of created rows are left out of the comparison (the commit gives its own).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, okJson, rootKey } from '../../../test/helpers';
import { stringifyJsonBig, parseJsonBig } from '../../lib/json-big';

type Json = Record<string, unknown>;
const send = (method: string, path: string, body?: unknown) => call(path, { method, key: rootKey(), body: body === undefined ? undefined : stringifyJsonBig(body) });
const TX = '/v1/tablesdb/transactions';
let rows = '';

beforeAll(async () => {
  const db = `txr${crypto.randomUUID().slice(0, 8)}`;
  await okJson(await send('POST', '/v1/tablesdb', { databaseId: db, name: 'Reads' }), 201);
  await okJson(await send('POST', `/v1/tablesdb/${db}/tables`, { tableId: 'items', name: 'Items' }), 201);
  const columns: [string, Json][] = [
    ['string', { key: 'run', size: 20, required: false }],
    ['string', { key: 'name', size: 20, required: false }],
    ['integer', { key: 'n', required: false, min: -1000, max: 1000 }],
    ['float', { key: 'score', required: false }],
    ['string', { key: 'tags', size: 5, required: false, array: true }],
    ['boolean', { key: 'flag', required: false }],
  ];
  for (const [type, body] of columns) await okJson(await send('POST', `/v1/tablesdb/${db}/tables/items/columns/${type}`, body), 202);
  await okJson(await send('POST', `/v1/tablesdb/${db}/tables/items/indexes`, { key: 'by_n', type: 'key', columns: ['n'], orders: ['DESC'] }), 202);
  rows = `/v1/tablesdb/${db}/tables/items/rows`;
});

const q = (method: string, attribute?: string, values?: unknown[]) => JSON.stringify({ method, ...(attribute ? { attribute } : {}), ...(values ? { values } : {}) });
const op = (method: string, values: unknown[]) => JSON.stringify({ method, values });

const valuesArb = fc.record(
  {
    name: fc.constantFrom('ann', 'bob', 'cy', 'dee', null),
    n: fc.integer({ min: -20, max: 20 }),
    score: fc.option(fc.constantFrom(0.5, 1.25, -3), { nil: null }),
    tags: fc.subarray(['a', 'b', 'c']),
    flag: fc.boolean(),
  },
  { requiredKeys: [] },
);
const slot = fc.integer({ min: 0, max: 7 });
/** One staged call: ids are slots 0–7 (0–3 committed before the transaction). */
const callArb = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), slot, data: valuesArb }),
  fc.record({ kind: fc.constant('update' as const), slot, data: valuesArb }),
  fc.record({ kind: fc.constant('upsert' as const), slot, data: valuesArb }),
  fc.record({ kind: fc.constant('delete' as const), slot }),
  fc.record({ kind: fc.constant('increment' as const), slot, by: fc.integer({ min: 1, max: 9 }) }),
  fc.record({ kind: fc.constant('operator' as const), slot, by: fc.integer({ min: -5, max: 5 }), tag: fc.constantFrom('a', 'c') }),
  fc.record({ kind: fc.constant('bulkUpdate' as const), n: fc.integer({ min: -20, max: 20 }), name: fc.constantFrom('bulk', 'x') }),
  fc.record({ kind: fc.constant('bulkCreate' as const), slots: fc.subarray([4, 5, 6, 7], { minLength: 1 }), data: valuesArb }),
);
type StagedCall = typeof callArb extends fc.Arbitrary<infer T> ? T : never;

function request(run: string, tx: string, c: StagedCall): [string, string, Json] {
  const id = (s: number) => `${run}_${s}`;
  switch (c.kind) {
    case 'create':
      return ['POST', rows, { rowId: id(c.slot), data: { ...c.data, run }, transactionId: tx }];
    case 'update':
      return ['PATCH', `${rows}/${id(c.slot)}`, { data: c.data, transactionId: tx }];
    case 'upsert':
      return ['PUT', `${rows}/${id(c.slot)}`, { data: { ...c.data, run }, transactionId: tx }];
    case 'delete':
      return ['DELETE', `${rows}/${id(c.slot)}`, { transactionId: tx }];
    case 'increment':
      return ['PATCH', `${rows}/${id(c.slot)}/n/increment`, { value: c.by, transactionId: tx }];
    case 'operator':
      return ['PATCH', `${rows}/${id(c.slot)}`, { data: { n: op('increment', [c.by]), tags: op('arrayAppend', [c.tag]) }, transactionId: tx }];
    case 'bulkUpdate':
      return ['PATCH', rows, { data: { name: c.name }, queries: [q('equal', 'run', [run]), q('lessThan', 'n', [c.n])], transactionId: tx }];
    case 'bulkCreate':
      return ['POST', rows, { rows: c.slots.map((s) => ({ $id: id(s), ...c.data, run })), transactionId: tx }];
  }
}

/** The reads compared: each list is narrowed to the run (plus two that are not). */
function reads(run: string): string[][] {
  const mine = q('equal', 'run', [run]);
  return [
    [mine],
    [mine, q('greaterThan', 'n', [0]), q('orderDesc', 'n'), q('limit', undefined, [3])],
    [mine, q('orderAsc', 'name'), q('offset', undefined, [1]), q('limit', undefined, [4])],
    [mine, q('contains', 'tags', ['a']), q('select', undefined, ['name', 'tags'])],
    [mine, q('isNull', 'score')],
    [mine, q('equal', 'flag', [true]), q('orderDesc', '$sequence')],
    [mine, q('cursorAfter', undefined, [`${run}_1`]), q('limit', undefined, [2])],
    [mine, q('orderAsc', 'n'), q('cursorBefore', undefined, [`${run}_5`])],
    [mine, q('between', 'n', [-5, 5]), q('notEqual', 'name', ['bob'])],
    [q('orderDesc', '$sequence'), q('limit', undefined, [3])],
    [q('startsWith', '$id', [`${run}_`]), q('orderDesc', 'n')],
  ];
}

function normalise(body: Json, created: Set<string>): Json {
  const strip = (r: Json) => {
    const { $createdAt: _c, $updatedAt: _u, $sequence: s, ...rest } = r;
    return created.has(String(r.$id)) ? rest : { ...rest, $sequence: s };
  };
  return Array.isArray(body.rows) ? { total: body.total, rows: (body.rows as Json[]).map(strip) } : strip(body);
}

async function observe(run: string, tx: string | null, created: Set<string>): Promise<unknown[]> {
  const suffix = tx ? `transactionId=${tx}` : '';
  const out: unknown[] = [];
  for (const queries of reads(run)) {
    const params = [...queries.map((x) => `queries[]=${encodeURIComponent(x)}`), suffix].filter(Boolean).join('&');
    const res = await send('GET', `${rows}?${params}`);
    const body = parseJsonBig(await res.text()) as Json;
    out.push(res.ok ? normalise(body, created) : { status: res.status, type: body.type });
  }
  for (let s = 0; s < 8; s++) {
    const res = await send('GET', `${rows}/${run}_${s}${tx ? `?${suffix}` : ''}`);
    const body = parseJsonBig(await res.text()) as Json;
    out.push(res.ok ? normalise(body, created) : { status: res.status, type: body.type });
  }
  return out;
}

describe('reads through a transaction', () => {
  it('answer what the same reads answer after the commit', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(valuesArb, { minLength: 4, maxLength: 4 }), fc.array(callArb, { minLength: 1, maxLength: 8 }), async (base, calls) => {
        const run = `p${runs++}${crypto.randomUUID().slice(0, 4)}`;
        await okJson(await send('POST', rows, { rows: base.map((data, s) => ({ $id: `${run}_${s}`, ...data, run })) }), 201);
        const tx = (await okJson<Json>(await send('POST', TX, {}), 201)).$id as string;
        for (const c of calls) {
          const [method, path, body] = request(run, tx, c);
          const res = await send(method, path, body);
          expect(res.status, await res.clone().text()).toBeLessThan(500);
        }
        const existing = new Set(base.map((_, s) => `${run}_${s}`));
        const created = new Set(Array.from({ length: 8 }, (_, s) => `${run}_${s}`).filter((id) => !existing.has(id)));
        const through = await observe(run, tx, created);
        expect(await okJson<Json>(await send('PATCH', `${TX}/${tx}`, { commit: true }))).toMatchObject({ status: 'committed' });
        expect(await observe(run, null, created)).toEqual(through);
      }),
      { numRuns: 12 },
    );
  });
});
