import { beforeAll, describe, expect, it } from 'vitest';
import { call, errorOf, okJson, rootKey } from '../../../test/helpers';
import { stringifyJsonBig } from '../../lib/json-big';

type Json = Record<string, unknown>;
/** The SDK's serialisation (node-appwrite's Operator: `JSON.stringify({method, values})`); e2e uses the SDK itself. */
const op = (method: string, values: unknown[]) => JSON.stringify({ method, values });
const Operator = {
  increment: (v = 1, max?: number) => op('increment', max === undefined ? [v] : [v, max]),
  decrement: (v = 1, min?: number) => op('decrement', min === undefined ? [v] : [v, min]),
  multiply: (v: number, max?: number) => op('multiply', max === undefined ? [v] : [v, max]),
  divide: (v: number, min?: number) => op('divide', min === undefined ? [v] : [v, min]),
  modulo: (v: number) => op('modulo', [v]),
  power: (v: number, max?: number) => op('power', max === undefined ? [v] : [v, max]),
  arrayAppend: (v: unknown[]) => op('arrayAppend', v),
  arrayPrepend: (v: unknown[]) => op('arrayPrepend', v),
  arrayInsert: (i: number, v: unknown) => op('arrayInsert', [i, v]),
  arrayRemove: (v: unknown) => op('arrayRemove', [v]),
  arrayUnique: () => op('arrayUnique', []),
  arrayIntersect: (v: unknown[]) => op('arrayIntersect', v),
  arrayDiff: (v: unknown[]) => op('arrayDiff', v),
  arrayFilter: (c: string, v?: unknown) => op('arrayFilter', [c, v === undefined ? null : v]),
  stringConcat: (v: unknown) => op('stringConcat', [v]),
  stringReplace: (a: string, b: string) => op('stringReplace', [a, b]),
  toggle: () => op('toggle', []),
  dateAddDays: (d: number) => op('dateAddDays', [d]),
  dateSubDays: (d: number) => op('dateSubDays', [d]),
  dateSetNow: () => op('dateSetNow', []),
};
const Condition = { GreaterThan: 'greaterThan', NotEqual: 'notEqual' };
const send = (method: string, path: string, body?: unknown) =>
  call(path, { method, key: rootKey(), body: body === undefined ? undefined : stringifyJsonBig(body) });

let rows = '';
let db = '';
beforeAll(async () => {
  db = `op${crypto.randomUUID().slice(0, 8)}`;
  await okJson(await send('POST', '/v1/tablesdb', { databaseId: db, name: 'Ops' }), 201);
  await okJson(await send('POST', `/v1/tablesdb/${db}/tables`, { tableId: 't', name: 'T' }), 201);
  const columns: [string, Json][] = [
    ['integer', { key: 'n', required: false, min: 0, max: 100 }],
    ['integer', { key: 'wide', required: false }],
    ['bigint', { key: 'big', required: false }],
    ['float', { key: 'f', required: false }],
    ['boolean', { key: 'flag', required: false }],
    ['datetime', { key: 'at', required: false }],
    ['string', { key: 's', size: 10, required: false }],
    ['string', { key: 'tags', size: 10, required: false, array: true }],
    ['integer', { key: 'nums', required: false, array: true }],
    ['boolean', { key: 'bools', required: false, array: true }],
  ];
  for (const [type, body] of columns) await okJson(await send('POST', `/v1/tablesdb/${db}/tables/t/columns/${type}`, body), 202);
  rows = `/v1/tablesdb/${db}/tables/t/rows`;
});

async function row(data: Json): Promise<string> {
  const id = `r${crypto.randomUUID().slice(0, 8)}`;
  await okJson(await send('POST', rows, { rowId: id, data }), 201);
  return id;
}
const patch = (id: string, data: Json) => send('PATCH', `${rows}/${id}`, { data });
async function applied(id: string, data: Json): Promise<Json> {
  return okJson(await patch(id, data));
}
async function refused(id: string, data: Json, message: RegExp) {
  const before = await okJson(await send('GET', `${rows}/${id}`));
  const res = await patch(id, data);
  const err = await errorOf(res);
  expect(err, JSON.stringify(err)).toMatchObject({ code: 400, type: 'row_invalid_structure' });
  expect(err.message).toMatch(message);
  expect(await okJson(await send('GET', `${rows}/${id}`))).toEqual(before);
}

describe('atomic operators (SDK Operator helpers inside update data)', () => {
  it('numeric: increment, decrement, multiply, divide, modulo, power, with caps', async () => {
    const id = await row({ n: 10, f: 1.5, big: 9007199254740993n });
    expect((await applied(id, { n: Operator.increment(5) })).n).toBe(15);
    expect((await applied(id, { n: Operator.increment(50, 40) })).n).toBe(40);
    expect((await applied(id, { n: Operator.decrement(3) })).n).toBe(37);
    expect((await applied(id, { n: Operator.decrement(30, 10) })).n).toBe(10);
    expect((await applied(id, { n: Operator.multiply(3) })).n).toBe(30);
    expect((await applied(id, { n: Operator.divide(4) })).n).toBe(7);
    expect((await applied(id, { n: Operator.modulo(4) })).n).toBe(3);
    expect((await applied(id, { n: Operator.power(2) })).n).toBe(9);
    expect((await applied(id, { f: Operator.multiply(2.5) })).f).toBe(3.75);
    expect((await applied(id, { f: Operator.divide(2) })).f).toBe(1.875);
    expect((await applied(id, { big: Operator.increment(2) })).big).toBe(9007199254740995n);
    // several operators and a plain value in one write
    const both = await applied(id, { n: Operator.increment(1), f: Operator.decrement(0.875), s: 'plain' });
    expect(both).toMatchObject({ n: 10, f: 1, s: 'plain' });
  });

  it('numeric results stay inside the column range and its type range', async () => {
    const id = await row({ n: 90 });
    await refused(id, { n: Operator.increment(20) }, /valid range between 0 and 100/);
    await refused(id, { n: Operator.multiply(-1) }, /valid range between 0 and 100/);
    await refused(id, { n: Operator.increment(1.5) }, /integer/);
    await refused(id, { s: Operator.increment(1) }, /numeric column/);
    const big = await row({ big: 9223372036854775800n });
    await refused(big, { big: Operator.increment(100) }, /valid range/);
    await refused(big, { big: Operator.multiply(2) }, /valid range/);
    await refused(big, { big: Operator.power(3) }, /valid range/);
    const f = await row({ f: 1e300 });
    await refused(f, { f: Operator.multiply(1e10) }, /valid range/);
  });

  it('division by zero is refused before it reaches SQL', async () => {
    const id = await row({ n: 5 });
    await refused(id, { n: '{"method":"divide","values":[0]}' }, /divide by zero/);
    await refused(id, { n: '{"method":"modulo","values":[0]}' }, /divide by zero/);
  });

  it('arrays: append, prepend, insert, remove, unique, intersect, diff, filter', async () => {
    const id = await row({ tags: ['a', 'b'], nums: [3, 1, 2], bools: [true] });
    expect((await applied(id, { tags: Operator.arrayAppend(['c', 'd']) })).tags).toEqual(['a', 'b', 'c', 'd']);
    expect((await applied(id, { tags: Operator.arrayPrepend(['z']) })).tags).toEqual(['z', 'a', 'b', 'c', 'd']);
    expect((await applied(id, { tags: Operator.arrayInsert(2, 'q') })).tags).toEqual(['z', 'a', 'q', 'b', 'c', 'd']);
    expect((await applied(id, { tags: Operator.arrayInsert(6, 'end') })).tags).toEqual(['z', 'a', 'q', 'b', 'c', 'd', 'end']);
    expect((await applied(id, { tags: Operator.arrayRemove('q') })).tags).toEqual(['z', 'a', 'b', 'c', 'd', 'end']);
    expect((await applied(id, { tags: Operator.arrayAppend(['a', 'b']) })).tags).toEqual(['z', 'a', 'b', 'c', 'd', 'end', 'a', 'b']);
    expect((await applied(id, { tags: Operator.arrayUnique() })).tags).toEqual(['z', 'a', 'b', 'c', 'd', 'end']);
    expect((await applied(id, { tags: Operator.arrayIntersect(['a', 'd', 'x']) })).tags).toEqual(['a', 'd']);
    expect((await applied(id, { tags: Operator.arrayDiff(['a']) })).tags).toEqual(['d']);
    expect((await applied(id, { nums: Operator.arrayFilter(Condition.GreaterThan, 1) })).nums).toEqual([3, 2]);
    expect((await applied(id, { nums: Operator.arrayFilter(Condition.NotEqual, 3) })).nums).toEqual([2]);
    expect((await applied(id, { bools: Operator.arrayAppend([false, true]) })).bools).toEqual([true, false, true]);
    expect((await applied(id, { bools: Operator.arrayRemove(true) })).bools).toEqual([false]);
    expect((await applied(id, { tags: Operator.stringConcat('e') })).tags).toEqual(['d', 'e']);
  });

  it('array elements are checked against the column; an insert index past the end is refused', async () => {
    const id = await row({ tags: ['a'] });
    await refused(id, { tags: Operator.arrayAppend(['much too long for ten']) }, /no longer than 10 chars/);
    await refused(id, { nums: Operator.arrayAppend(['x']) }, /valid integer/);
    await refused(id, { tags: Operator.arrayInsert(5, 'x') }, /out of bounds/);
    await refused(id, { n: Operator.arrayAppend([1]) }, /array column/);
  });

  it('strings, booleans and dates', async () => {
    const id = await row({ s: 'ab', flag: false, at: '2024-02-28T10:00:00.000+00:00' });
    expect((await applied(id, { s: Operator.stringConcat('cd') })).s).toBe('abcd');
    expect((await applied(id, { s: Operator.stringReplace('bc', 'X') })).s).toBe('aXd');
    await refused(id, { s: Operator.stringConcat('0123456789') }, /no longer than 10 chars/);
    expect((await applied(id, { flag: Operator.toggle() })).flag).toBe(true);
    expect((await applied(id, { flag: Operator.toggle() })).flag).toBe(false);
    expect((await applied(id, { at: Operator.dateAddDays(2) })).at).toBe('2024-03-01T10:00:00.000+00:00');
    expect((await applied(id, { at: Operator.dateSubDays(1) })).at).toBe('2024-02-29T10:00:00.000+00:00');
    const now = (await applied(id, { at: Operator.dateSetNow() })).at as string;
    expect(Math.abs(Date.parse(now) - Date.now())).toBeLessThan(60_000);
    await refused(id, { flag: Operator.dateSetNow() }, /datetime column/);
  });

  it('a refused operator leaves the whole write undone, permissions included', async () => {
    const id = await row({ n: 99 });
    const res = await send('PATCH', `${rows}/${id}`, { data: { n: Operator.increment(5), s: 'changed' }, permissions: ['read("any")'] });
    expect(res.status).toBe(400);
    const after = await okJson(await send('GET', `${rows}/${id}`));
    expect(after).toMatchObject({ n: 99, s: null, $permissions: [] });
  });

  it('a create refuses operators (they need a stored value)', async () => {
    const res = await send('POST', rows, { rowId: 'unique()', data: { n: Operator.increment(1) } });
    expect(await errorOf(res)).toMatchObject({ code: 400, type: 'row_invalid_structure' });
  });

  it('bulk updateRows applies operators per row, all or nothing', async () => {
    const a = await row({ n: 1, s: 'bulk' });
    const b = await row({ n: 95, s: 'bulk' });
    const q = [`{"method":"equal","attribute":"s","values":["bulk"]}`];
    const res = await send('PATCH', rows, { data: { n: Operator.increment(10) }, queries: q });
    expect(await errorOf(res)).toMatchObject({ code: 400, type: 'row_invalid_structure' });
    expect(((await okJson(await send('GET', `${rows}/${a}`))) as Json).n).toBe(1);
    const ok = await okJson<{ rows: Json[] }>(await send('PATCH', rows, { data: { n: Operator.increment(2) }, queries: q }));
    expect(ok.rows.map((r) => r.n).sort()).toEqual([3, 97]);
    expect(((await okJson(await send('GET', `${rows}/${b}`))) as Json).n).toBe(97);
  });

  it('100 parallel increments and appends on one row: nothing lost', async () => {
    const id = await row({ wide: 0, nums: [] });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => patch(id, { wide: Operator.increment(1), nums: Operator.arrayAppend([i]) }).then((r) => r.status)),
    );
    expect(results.every((s) => s === 200)).toBe(true);
    const final = await okJson<Json>(await send('GET', `${rows}/${id}`));
    expect(final.wide).toBe(100);
    expect((final.nums as number[]).slice().sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
