/**
 * What a transaction stages beyond plain values: the SDK's Operator strings (computed in SQL,
 * refused with the direct update's wording, seen by reads through the transaction, written by the
 * commit), nested relationship writes (applied in the commit's one batch, all or nothing), deletes
 * under cascade/setNull/restrict, and what staged bulk calls answer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { call, errorOf, rootKey } from '../../../test/helpers';
import type { LedgeEvent } from '../../events/event';
import { registerSink } from '../../events/publish';
import { get, newDb, ok, patch, post, put } from '../testing/schema-api';

type Json = Record<string, unknown>;
const TX = '/v1/tablesdb/transactions';
const seen: LedgeEvent[] = [];
afterAll(registerSink({ name: 'test-transaction-writes', deliver: async (_env, events) => void seen.push(...events) }));
const op = (method: string, values: unknown[]) => JSON.stringify({ method, values });
const begin = async () => (await ok<Json>(await post(TX, {}), 201)).$id as string;
const commit = (tx: string) => patch(`${TX}/${tx}`, { commit: true });
const remove = (path: string, body: unknown) => call(path, { method: 'DELETE', key: rootKey(), body: JSON.stringify(body) });

async function table(db: string, id: string, columns: [string, Json][]) {
  await ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: id, name: id }), 201);
  for (const [type, body] of columns) await ok(await post(`/v1/tablesdb/${db}/tables/${id}/columns/${type}`, body), 202);
  return `/v1/tablesdb/${db}/tables/${id}/rows`;
}

describe('operators in a transaction', () => {
  it('are staged, seen by reads through the transaction, and committed', async () => {
    const db = await newDb();
    const rows = await table(db, 't', [
      ['integer', { key: 'n', required: false, min: 0, max: 100 }],
      ['string', { key: 'tags', size: 5, required: false, array: true }],
      ['string', { key: 's', size: 10, required: false }],
    ]);
    await ok(await post(rows, { rowId: 'r', data: { n: 10, tags: ['a'], s: 'x' } }), 201);
    const tx = await begin();
    const staged = await ok<Json>(await patch(`${rows}/r`, { data: { n: op('increment', [5]), tags: op('arrayAppend', ['b']), s: op('stringConcat', ['y']) }, transactionId: tx }));
    expect(staged).toMatchObject({ n: 15, tags: ['a', 'b'], s: 'xy' });
    await ok(await patch(`${rows}/r`, { data: { n: op('multiply', [2]) }, transactionId: tx }));
    expect(await ok<Json>(await get(`${rows}/r?transactionId=${tx}`))).toMatchObject({ n: 30, tags: ['a', 'b'] });
    const listed = await ok<{ total: number; rows: Json[] }>(await get(`${rows}?transactionId=${tx}&queries[]=${encodeURIComponent(JSON.stringify({ method: 'equal', attribute: 'n', values: [30] }))}`));
    expect(listed).toMatchObject({ total: 1, rows: [{ $id: 'r', n: 30 }] });
    // Not applied outside the transaction until the commit.
    expect(await ok<Json>(await get(`${rows}/r`))).toMatchObject({ n: 10, tags: ['a'], s: 'x' });
    await ok(await commit(tx));
    expect(await ok<Json>(await get(`${rows}/r`))).toMatchObject({ n: 30, tags: ['a', 'b'], s: 'xy' });
  });

  it('a result out of range is refused when staged, with the direct update’s error', async () => {
    const db = await newDb();
    const rows = await table(db, 't', [['integer', { key: 'n', required: false, min: 0, max: 100 }]]);
    await ok(await post(rows, { rowId: 'r', data: { n: 90 } }), 201);
    const tx = await begin();
    const err = await errorOf(await patch(`${rows}/r`, { data: { n: op('increment', [20]) }, transactionId: tx }));
    expect(err).toMatchObject({ code: 400, type: 'row_invalid_structure' });
    expect(err.message).toMatch(/valid range between 0 and 100/);
    expect(await ok<Json>(await get(`${TX}/${tx}`))).toMatchObject({ operations: 0 });
  });

  it('a row changed after an operator was staged fails the commit with a conflict', async () => {
    const db = await newDb();
    const rows = await table(db, 't', [['integer', { key: 'n', required: false }]]);
    await ok(await post(rows, { rowId: 'r', data: { n: 1 } }), 201);
    const tx = await begin();
    await ok(await patch(`${rows}/r`, { data: { n: op('increment', [1]) }, transactionId: tx }));
    await ok(await patch(`${rows}/r`, { data: { n: op('increment', [100]) } }));
    expect(await errorOf(await commit(tx))).toMatchObject({ code: 409, type: 'transaction_conflict' });
    expect(await ok<Json>(await get(`${rows}/r`))).toMatchObject({ n: 101 });
  });
});

async function blog() {
  const db = await newDb();
  const authors = await table(db, 'authors', [['string', { key: 'name', size: 20, required: false }]]);
  const posts = await table(db, 'posts', [['string', { key: 'title', size: 20, required: false }]]);
  await ok(await post(`/v1/tablesdb/${db}/tables/posts/columns/relationship`, { relatedTableId: 'authors', type: 'manyToOne', key: 'author', twoWay: true, twoWayKey: 'posts', onDelete: 'cascade' }), 202);
  return { db, authors, posts };
}

describe('relationships in a transaction', () => {
  it('a nested create is applied by the commit, with its related row and link', async () => {
    const { db, authors, posts } = await blog();
    const tx = await begin();
    await ok(await post(posts, { rowId: 'p1', data: { title: 'hello', author: { $id: 'a1', name: 'Ann' } }, transactionId: tx }), 201);
    expect((await errorOf(await get(`${authors}/a1`))).code).toBe(404);
    await ok(await commit(tx));
    const names = () => seen.map((e) => e.events[0]);
    for (let i = 0; i < 100 && !names().includes(`databases.${db}.tables.authors.rows.a1.create`); i++) await new Promise((r) => setTimeout(r, 20));
    expect(names()).toEqual(expect.arrayContaining([`databases.${db}.tables.posts.rows.p1.create`, `databases.${db}.tables.authors.rows.a1.create`]));
    expect(await ok<Json>(await get(`${authors}/a1`))).toMatchObject({ name: 'Ann' });
    const read = await ok<Json>(await get(`${posts}/p1?queries[]=${encodeURIComponent(JSON.stringify({ method: 'select', values: ['*', 'author.*'] }))}`));
    expect(read).toMatchObject({ title: 'hello', author: { $id: 'a1', name: 'Ann' } });
  });

  it('a row created earlier in the transaction can be linked by id (not updated as a nested row)', async () => {
    const { authors, posts } = await blog();
    const tx = await begin();
    await ok(await post(authors, { rowId: 'new', data: { name: 'New' }, transactionId: tx }), 201);
    await ok(await post(posts, { rowId: 'p', data: { title: 'T', author: 'new' }, transactionId: tx }), 201);
    expect(await errorOf(await post(posts, { rowId: 'q', data: { title: 'U', author: { $id: 'new', name: 'X' } }, transactionId: tx }))).toMatchObject({ code: 400, type: 'relationship_value_invalid' });
    await ok(await commit(tx));
    const read = await ok<Json>(await get(`${posts}/p?queries[]=${encodeURIComponent(JSON.stringify({ method: 'select', values: ['*', 'author.*'] }))}`));
    expect(read).toMatchObject({ author: { $id: 'new', name: 'New' } });
  });

  it('a bad relationship value is refused when staged', async () => {
    const { posts } = await blog();
    const tx = await begin();
    expect(await errorOf(await post(posts, { rowId: 'p1', data: { title: 'x', author: 42 }, transactionId: tx }))).toMatchObject({ code: 400, type: 'relationship_value_invalid' });
    expect(await errorOf(await post(posts, { rowId: 'p2', data: { title: 'x', author: 'nobody' }, transactionId: tx }))).toMatchObject({ code: 400, type: 'relationship_value_invalid' });
    expect(await ok<Json>(await get(`${TX}/${tx}`))).toMatchObject({ operations: 0 });
  });

  it('a commit failing after a nested write leaves every table unchanged', async () => {
    const { authors, posts } = await blog();
    await ok(await post(authors, { rowId: 'taken', data: { name: 'T' } }), 201);
    const tx = await begin();
    await ok(await post(posts, { rowId: 'p1', data: { title: 'one', author: { $id: 'a9', name: 'Nine' } }, transactionId: tx }), 201);
    await ok(await post(authors, { rowId: 'late', data: { name: 'L' }, transactionId: tx }), 201);
    // Someone else creates the id the transaction creates: the commit's insert collides.
    await ok(await post(authors, { rowId: 'late', data: { name: 'first' } }), 201);
    expect((await errorOf(await commit(tx))).code).toBe(409);
    for (const gone of [`${authors}/a9`, `${posts}/p1`]) expect((await errorOf(await get(gone))).code).toBe(404);
  });

  it('a staged delete applies cascade at the commit; restrict refuses the commit', async () => {
    const { db, authors, posts } = await blog();
    await ok(await post(authors, { rowId: 'a', data: { name: 'A' } }), 201);
    await ok(await post(posts, { rowId: 'p', data: { title: 'P', author: 'a' } }), 201);
    const tx = await begin();
    expect((await remove(`${authors}/a`, { transactionId: tx })).status).toBe(204);
    expect(await ok<Json>(await get(`${posts}/p`))).toMatchObject({ title: 'P' });
    await ok(await commit(tx));
    expect((await errorOf(await get(`${posts}/p`))).code).toBe(404);

    await ok(await patch(`/v1/tablesdb/${db}/tables/posts/columns/author/relationship`, { onDelete: 'restrict' }), 200);
    await ok(await post(authors, { rowId: 'b', data: { name: 'B' } }), 201);
    await ok(await post(posts, { rowId: 'q', data: { title: 'Q', author: 'b' } }), 201);
    const tx2 = await begin();
    await ok(await post(`${TX}/${tx2}/operations`, { operations: [{ action: 'delete', databaseId: db, tableId: 'authors', rowId: 'b' }, { action: 'create', databaseId: db, tableId: 'authors', rowId: 'c', data: { name: 'C' } }] }), 201);
    expect(await errorOf(await commit(tx2))).toMatchObject({ code: 403, type: 'row_delete_restricted' });
    expect(await ok<Json>(await get(`${authors}/b`))).toMatchObject({ name: 'B' });
    expect((await errorOf(await get(`${authors}/c`))).code).toBe(404);
  });
});

describe('staged bulk calls', () => {
  it('answer as Appwrite does: no rows, total = rows sent (0 for update/delete by queries), status 200', async () => {
    const db = await newDb();
    const rows = await table(db, 't', [['string', { key: 's', size: 10, required: false }]]);
    await ok(await post(rows, { rowId: 'd', data: { s: 'z' } }), 201);
    await ok(await post(rows, { rowId: 'e', data: { s: 'gone' } }), 201);
    const tx = await begin();
    const where = (v: string) => [JSON.stringify({ method: 'equal', attribute: 's', values: [v] })];
    expect(await ok<Json>(await post(rows, { rows: [{ $id: 'a', s: 'x' }, { $id: 'b', s: 'y' }], transactionId: tx }))).toEqual({ total: 2, rows: [] });
    expect(await ok<Json>(await put(rows, { rows: [{ $id: 'c', s: 'z' }], transactionId: tx }))).toEqual({ total: 1, rows: [] });
    expect(await ok<Json>(await patch(rows, { data: { s: 'w' }, queries: where('z'), transactionId: tx }))).toEqual({ total: 0, rows: [] });
    expect(await ok<Json>(await remove(rows, { queries: where('gone'), transactionId: tx }))).toEqual({ total: 0, rows: [] });
    const through = await ok<{ total: number; rows: Json[] }>(await get(`${rows}?transactionId=${tx}`));
    // Bulk queries select rows as the operations before them leave the table: the staged c is updated too.
    expect(through.total).toBe(4);
    expect(through.rows.map((r) => [r.$id, r.s])).toEqual([['d', 'w'], ['a', 'x'], ['b', 'y'], ['c', 'w']]);
    await ok(await commit(tx));
    const after = await ok<{ total: number; rows: Json[] }>(await get(rows));
    expect(after.rows.map((r) => [r.$id, r.s])).toEqual(through.rows.map((r) => [r.$id, r.s]));
  });
});
