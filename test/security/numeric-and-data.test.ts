/**
 * Issue 10, defects 1, 2, 3, 5 and 9, pinned through the front door: numeric writes stay inside the
 * column's type range on every path (or are refused with Appwrite's error), a stored value never
 * fails a read, `data` that is not a JSON object is a 400, over-long strings are refused fast, and
 * a bulk collision names the row that collided.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringifyJsonBig } from '../../workers/lib/json-big';
import { loadTable } from '../../workers/databases/schema-store';
import { call, errorOf, okJson, rootKey } from '../helpers';

type Json = Record<string, unknown>;
const send = (method: string, path: string, body?: unknown, key: string | null = rootKey()) =>
  call(path, { method, key, body: body === undefined ? undefined : stringifyJsonBig(body) });
const sendRaw = (method: string, path: string, text: string) => call(path, { method, key: rootKey(), body: text });

async function fails(res: Response, status: number, type: string | RegExp) {
  const err = await errorOf(res);
  expect(err.code, JSON.stringify(err)).toBe(status);
  expect(res.status).toBe(status);
  if (typeof type === 'string') expect(err.type).toBe(type);
  else expect(err.type).toMatch(type);
  return err;
}

const INT64_MAX = 9223372036854775807n;

async function setup() {
  const db = `sec${crypto.randomUUID().slice(0, 8)}`;
  await okJson(await send('POST', '/v1/tablesdb', { databaseId: db, name: 'Security' }), 201);
  await okJson(await send('POST', `/v1/tablesdb/${db}/tables`, { tableId: 'n', name: 'Numbers', permissions: ['read("any")', 'update("any")'] }), 201);
  const cols: [string, Json][] = [
    ['integer', { key: 'count', required: false }],
    ['integer', { key: 'small', required: false, min: 0, max: 100 }],
    ['bigint', { key: 'big', required: false }],
    ['float', { key: 'score', required: false }],
    ['string', { key: 'title', size: 64, required: false }],
    ['text', { key: 'body', required: false }],
    ['integer', { key: 'nums', required: false, array: true }],
  ];
  for (const [type, body] of cols) await okJson(await send('POST', `/v1/tablesdb/${db}/tables/n/columns/${type}`, body), 202);
  const rows = `/v1/tablesdb/${db}/tables/n/rows`;
  const docs = `/v1/databases/${db}/collections/n/documents`;
  return { db, rows, docs };
}

/** The whole table as stored, to prove a refusal changed nothing. */
async function snapshot(db: string): Promise<string> {
  const res = await okJson<{ rows: Json[] }>(await send('GET', `/v1/tablesdb/${db}/tables/n/rows?queries[]=${encodeURIComponent('{"method":"limit","values":[100]}')}`));
  return stringifyJsonBig(res.rows.map(({ $updatedAt: _u, ...r }) => r));
}

describe('defect 1: an increment past int64 never corrupts a row', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    t = await setup();
    await okJson(await send('POST', t.rows, { rowId: 'r', data: { count: 9223372036854775000n, small: 99, big: -9223372036854775000n } }), 201);
  });

  it('refuses 2^63, 1e300 and two steps that together pass int64, with column_limit_exceeded, changing nothing', async () => {
    const before = await snapshot(t.db);
    await fails(await send('PATCH', `${t.rows}/r/count/increment`, { value: 9223372036854775808n }), 400, 'column_limit_exceeded');
    await fails(await send('PATCH', `${t.rows}/r/count/increment`, { value: 1e300 }), 400, 'column_limit_exceeded');
    await fails(await send('PATCH', `${t.docs}/r/count/increment`, { value: 9223372036854775000n }), 400, 'attribute_limit_exceeded');
    await fails(await send('PATCH', `${t.rows}/r/big/decrement`, { value: 9223372036854775000n }), 400, 'column_limit_exceeded');
    expect(await snapshot(t.db)).toBe(before);
    // The last step that fits still applies, exactly.
    const row = await okJson(await send('PATCH', `${t.rows}/r/count/increment`, { value: 807n }));
    expect(row.count).toBe(INT64_MAX);
    await fails(await send('PATCH', `${t.rows}/r/count/increment`, { value: 1 }), 400, 'column_limit_exceeded');
  });

  it('keeps a 4-byte integer column inside int32 and its declared bound by the caller', async () => {
    await fails(await send('PATCH', `${t.rows}/r/small/increment`, { value: 2147483647 }), 400, 'column_limit_exceeded');
    expect((await okJson(await send('GET', `${t.rows}/r`))).small).toBe(99);
  });

  it('never passes int64 under concurrency (the check is in the UPDATE itself)', async () => {
    await okJson(await send('PATCH', `${t.rows}/r`, { data: { count: INT64_MAX - 5n } }));
    const results = await Promise.all(Array.from({ length: 10 }, () => send('PATCH', `${t.rows}/r/count/increment`, { value: 1 })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.status === 400)).toHaveLength(5);
    expect((await okJson(await send('GET', `${t.rows}/r`))).count).toBe(INT64_MAX);
  });

  it('refuses int64 overflow on create, update, upsert and bulk writes too', async () => {
    const before = await snapshot(t.db);
    const over = 9223372036854775808n;
    await fails(await send('POST', t.rows, { rowId: 'x1', data: { count: over } }), 400, 'row_invalid_structure');
    await fails(await send('POST', t.rows, { rowId: 'x2', data: { count: 1e300 } }), 400, 'row_invalid_structure');
    await fails(await send('PATCH', `${t.rows}/r`, { data: { count: -over - 1n } }), 400, 'row_invalid_structure');
    await fails(await send('PUT', `${t.rows}/r`, { data: { big: over } }), 400, 'row_invalid_structure');
    await fails(await send('PUT', `${t.docs}/x3`, { data: { nums: [1, over] } }), 400, 'document_invalid_structure');
    await fails(await send('POST', t.rows, { rows: [{ $id: 'x4', count: 1 }, { $id: 'x5', count: over }] }), 400, 'row_invalid_structure');
    await fails(await send('PUT', t.rows, { rows: [{ $id: 'r', count: over }] }), 400, 'row_invalid_structure');
    await fails(await send('PATCH', t.rows, { data: { count: over } }), 400, 'row_invalid_structure');
    expect(await snapshot(t.db)).toBe(before);
  });

  it('reads a row whose cell an older build corrupted (a REAL in an integer column) without a 500, for everyone', async () => {
    await okJson(await send('POST', t.rows, { rowId: 'bad', data: { count: 1, score: 1.5 } }), 201);
    const name = (await loadTable(env.DB, t.db, 'n')).sqlName;
    await env.DB.prepare(`UPDATE "${name}" SET c_count = 1e300, c_nums = 'not json' WHERE _uid = 'bad'`).run();
    const got = await okJson(await send('GET', `${t.rows}/bad`));
    expect(got).toMatchObject({ count: null, nums: [], score: 1.5 });
    await okJson(await send('GET', t.rows));
    await okJson(await send('GET', t.docs));
    await okJson(await send('GET', `${t.rows}/bad`, undefined, null));
    // The corrupted cell is not stepped further; a write that replaces it heals the row.
    await fails(await send('PATCH', `${t.rows}/bad/count/increment`, { value: 1 }), 400, 'column_limit_exceeded');
    expect((await okJson(await send('PATCH', `${t.rows}/bad`, { data: { count: 2 } }))).count).toBe(2);
    expect(await send('DELETE', `${t.rows}/bad`)).toHaveProperty('status', 204);
  });
});

describe('defect 3: float overflow', () => {
  it('refuses a step to Infinity and keeps the value', async () => {
    const t = await setup();
    await okJson(await send('POST', t.rows, { rowId: 'f', data: { score: 1.7e308 } }), 201);
    await fails(await send('PATCH', `${t.rows}/f/score/increment`, { value: 1.7e308 }), 400, 'column_limit_exceeded');
    await fails(await send('PATCH', `${t.docs}/f/score/decrement`, { value: 1.7e308 * 2 - 1e308 }), 400, /limit_exceeded|argument_invalid/);
    expect((await okJson(await send('GET', `${t.rows}/f`))).score).toBe(1.7e308);
    await fails(await sendRaw('POST', t.rows, '{"rowId":"g","data":{"score":1e400}}'), 400, 'row_invalid_structure');
  });
});

describe('defect 2: `data` that is not a JSON object', () => {
  it('is a 400 on create, update and upsert, for rows and documents', async () => {
    const t = await setup();
    await okJson(await send('POST', t.rows, { rowId: 'd', data: { count: 1 } }), 201);
    for (const data of ['{bad', 'null', 'NaN', 'Infinity', '[1]', '7', '"x"']) {
      await fails(await send('POST', t.rows, { rowId: 'e', data }), 400, 'general_argument_invalid');
      await fails(await send('POST', t.docs, { documentId: 'e', data }), 400, 'general_argument_invalid');
      await fails(await send('PATCH', `${t.rows}/d`, { data }), 400, 'general_argument_invalid');
      await fails(await send('PUT', `${t.docs}/d`, { data }), 400, 'general_argument_invalid');
    }
    // A string holding a JSON object still works, as in Appwrite.
    expect((await okJson(await send('POST', t.rows, { rowId: 'e', data: '{"count": 9007199254740993}' }), 201)).count).toBe(9007199254740993n);
  });
});

describe('defect 5: oversized values are refused before per-character work', () => {
  it('refuses a 4 MB string for a size-64 column and a size-bounded text column quickly', async () => {
    const t = await setup();
    const huge = 'é'.repeat(4 * 1024 * 1024);
    const started = Date.now();
    await fails(await send('POST', t.rows, { rowId: 's', data: { title: huge } }), 400, 'row_invalid_structure');
    await fails(await send('POST', t.rows, { rowId: 's', data: { body: 'x'.repeat(70_000) } }), 400, 'row_invalid_structure');
    // Not a timing assertion on speed goals: a per-character walk of 4M code points shows up as seconds.
    expect(Date.now() - started).toBeLessThan(5_000);
    // Exactly at the limit (in code points, not UTF-16 units) is accepted.
    const fits = '😀'.repeat(64);
    expect((await okJson(await send('POST', t.rows, { rowId: 's', data: { title: fits } }), 201)).title).toBe(fits);
    await fails(await send('POST', t.rows, { rowId: 's2', data: { title: `${fits}a` } }), 400, 'row_invalid_structure');
  });
});

describe('defect 9: a bulk create collision names the row that collided', () => {
  it('names the second row, not the first', async () => {
    const t = await setup();
    await okJson(await send('POST', t.rows, { rowId: 'taken', data: { count: 1 } }), 201);
    const err = await fails(await send('POST', t.rows, { rows: [{ $id: 'fresh', count: 1 }, { $id: 'taken', count: 2 }] }), 409, 'row_already_exists');
    expect(err.message).toContain('taken');
    expect(err.message).not.toContain('fresh');
    await fails(await send('GET', `${t.rows}/fresh`), 404, 'row_not_found');
  });
});
