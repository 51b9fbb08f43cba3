/**
 * Bulk writes of 1,000 rows are one batch: a bad row at position 900 leaves nothing behind, and a
 * write that commits announces every row once (one event per row, after the commit).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, errorOf, okJson, rootKey } from '../../test/helpers';
import type { LedgeEvent } from '../events/event';
import { registerSink } from '../events/publish';

const send = (method: string, path: string, body?: unknown) => call(path, { method, key: rootKey(), json: body });
const seen: LedgeEvent[] = [];
const unregister = registerSink({ name: 'test-bulk', deliver: async (_env, events) => void seen.push(...events) });
afterAll(unregister);

let rows = '';
beforeAll(async () => {
  const db = `bk${crypto.randomUUID().slice(0, 8)}`;
  await okJson(await send('POST', '/v1/tablesdb', { databaseId: db, name: 'Bulk' }), 201);
  await okJson(await send('POST', `/v1/tablesdb/${db}/tables`, { tableId: 't', name: 'T' }), 201);
  await okJson(await send('POST', `/v1/tablesdb/${db}/tables/t/columns/string`, { key: 'name', size: 20, required: true }), 202);
  await okJson(await send('POST', `/v1/tablesdb/${db}/tables/t/columns/integer`, { key: 'n', required: false, min: 0, max: 1000 }), 202);
  rows = `/v1/tablesdb/${db}/tables/t/rows`;
});

const total = async () => (await okJson<{ total: number }>(await send('GET', `${rows}?queries[]=${encodeURIComponent('{"method":"limit","values":[1]}')}`))).total;
const thousand = (prefix: string) => Array.from({ length: 1000 }, (_, i) => ({ $id: `${prefix}${i}`, name: `row ${i}`, n: i }));

/** Events of `action` for rows whose id starts with `prefix`, once the after-commit sinks ran. */
async function eventsFor(prefix: string, action: string, expected: number): Promise<string[]> {
  const match = (e: LedgeEvent) => e.events[0].includes(`.rows.${prefix}`) && e.events[0].endsWith(`.${action}`);
  for (let i = 0; i < 100 && seen.filter(match).length < expected; i++) await new Promise((r) => setTimeout(r, 20));
  return seen.filter(match).map((e) => e.events[0]);
}

describe('bulk writes: 1,000 rows, atomic, one event per row', () => {
  it('createRows: a bad row at 900 leaves nothing; a good batch creates all 1,000 with 1,000 events', async () => {
    const bad = thousand('c');
    bad[900] = { $id: 'c900', name: 'x'.repeat(21), n: 900 };
    const err = await errorOf(await send('POST', rows, { rows: bad }));
    expect(err).toMatchObject({ code: 400, type: 'row_invalid_structure' });
    expect(await total()).toBe(0);
    // A duplicate of a stored id at 900 fails in D1 itself: still nothing.
    await okJson(await send('POST', rows, { rowId: 'taken', data: { name: 'first' } }), 201);
    const dup = thousand('d');
    dup[900] = { $id: 'taken', name: 'again', n: 1 };
    expect(await errorOf(await send('POST', rows, { rows: dup }))).toMatchObject({ code: 409, type: 'row_already_exists' });
    expect(await total()).toBe(1);
    await okJson(await send('DELETE', `${rows}/taken`), 204);

    const ok = await okJson<{ total: number }>(await send('POST', rows, { rows: thousand('c') }), 201);
    expect(ok.total).toBe(1000);
    expect(await total()).toBe(1000);
    const events = await eventsFor('c', 'create', 1000);
    expect(new Set(events).size).toBe(1000);
    expect(events.length).toBe(1000);
  });

  it('upsertRows: a bad row at 900 changes nothing; a good one updates all 1,000', async () => {
    const bad = thousand('c').map((r) => ({ ...r, name: `up ${r.n}` }));
    bad[900] = { ...bad[900], n: 5000 };
    expect(await errorOf(await send('PUT', rows, { rows: bad }))).toMatchObject({ code: 400, type: 'row_invalid_structure' });
    const sample = await okJson<Record<string, unknown>>(await send('GET', `${rows}/c10`));
    expect(sample.name).toBe('row 10');
    await okJson(await send('PUT', rows, { rows: thousand('c').map((r) => ({ ...r, name: `up ${r.n}` })) }));
    expect((await okJson<Record<string, unknown>>(await send('GET', `${rows}/c999`))).name).toBe('up 999');
    expect((await eventsFor('c', 'upsert', 1000)).length).toBe(1000);
  });

  it('updateRows: an operator refused at one row of 1,000 leaves every row as it was', async () => {
    const q = ['{"method":"startsWith","attribute":"$id","values":["c"]}'];
    // Row c999 holds n=999: +2 passes the column max 1000 there, and only there.
    const inc = (by: number) => JSON.stringify({ method: 'increment', values: [by] });
    expect(await errorOf(await send('PATCH', rows, { data: { n: inc(2) }, queries: q }))).toMatchObject({ code: 400, type: 'row_invalid_structure' });
    expect((await okJson<Record<string, unknown>>(await send('GET', `${rows}/c0`))).n).toBe(0);
    const ok = await okJson<{ total: number }>(await send('PATCH', rows, { data: { n: inc(1) }, queries: q }));
    expect(ok.total).toBe(1000);
    expect((await okJson<Record<string, unknown>>(await send('GET', `${rows}/c999`))).n).toBe(1000);
    expect((await eventsFor('c', 'update', 1000)).length).toBe(1000);
  });

  it('deleteRows: all 1,000 in one batch, one event each', async () => {
    const res = await okJson<{ total: number }>(await send('DELETE', rows, { queries: ['{"method":"startsWith","attribute":"$id","values":["c"]}'] }));
    expect(res.total).toBe(1000);
    expect(await total()).toBe(0);
    expect((await eventsFor('c', 'delete', 1000)).length).toBe(1000);
  });
});
