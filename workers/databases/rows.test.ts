import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, errorOf, rootKey, okJson } from '../../test/helpers';
import { stringifyJsonBig } from '../lib/json-big';
import { rowEvent } from './row-events';
import { TABLES_API } from './row-values';
import { findRow } from './rows-store';
import { loadTable } from './schema-store';
import { userPrincipal } from '../lib/principal';

type Json = Record<string, unknown>;
const send = (method: string, path: string, body?: unknown, key: string | null = rootKey()) =>
  call(path, { method, key, body: body === undefined ? undefined : stringifyJsonBig(body) });

const ok = okJson;

async function fails(res: Response, status: number, type: string, message?: string | RegExp) {
  const err = await errorOf(res);
  expect(err, JSON.stringify(err)).toMatchObject({ code: status, type });
  expect(res.status).toBe(status);
  if (typeof message === 'string') expect(err.message).toBe(message);
  else if (message) expect(err.message).toMatch(message);
  return err;
}

const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;

/** A database with a `posts` table holding one column of every kind the row store handles. */
async function setup(tableExtra: Json = {}) {
  const db = `db${crypto.randomUUID().slice(0, 8)}`;
  await ok(await send('POST', '/v1/tablesdb', { databaseId: db, name: 'Rows' }), 201);
  await ok(await send('POST', `/v1/tablesdb/${db}/tables`, { tableId: 'posts', name: 'Posts', ...tableExtra }), 201);
  const columns: [string, Json][] = [
    ['string', { key: 'title', size: 10, required: true }],
    ['integer', { key: 'views', required: false, min: 0, max: 1000 }],
    ['integer', { key: 'count', required: false }],
    ['bigint', { key: 'big', required: false }],
    ['float', { key: 'score', required: false, min: -1.5, max: 99.5 }],
    ['boolean', { key: 'published', required: false, default: false }],
    ['datetime', { key: 'at', required: false }],
    ['email', { key: 'mail', required: false }],
    ['ip', { key: 'ip', required: false }],
    ['url', { key: 'link', required: false }],
    ['enum', { key: 'status', required: false, elements: ['draft', 'live'] }],
    ['string', { key: 'tags', size: 5, required: false, array: true }],
    ['integer', { key: 'nums', required: false, array: true }],
  ];
  for (const [type, body] of columns) await ok(await send('POST', `/v1/tablesdb/${db}/tables/posts/columns/${type}`, body), 202);
  return { db, rows: `/v1/tablesdb/${db}/tables/posts/rows`, docs: `/v1/databases/${db}/collections/posts/documents` };
}

describe('rows: create, get, list, update, upsert, delete (TablesDB)', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    t = await setup();
  });

  it('creates with a custom id and answers the Row model exactly', async () => {
    const row = await ok(
      await send('POST', t.rows, {
        rowId: 'first',
        data: {
          title: 'Hello', views: 3, big: 9223372036854775807n, score: 1.25, at: '2024-05-06T07:08:09.123Z', mail: 'a@b.io',
          ip: '10.0.0.1', link: 'https://example.com/x', status: 'live', tags: ['a', 'b'], nums: [1, 9007199254740993n],
        },
        permissions: ['read("any")'],
      }),
      201,
    );
    expect(row).toEqual({
      $id: 'first', $sequence: expect.stringMatching(/^\d+$/), $tableId: 'posts', $databaseId: t.db,
      $createdAt: expect.stringMatching(DATE), $updatedAt: row.$createdAt, $permissions: ['read("any")'],
      title: 'Hello', views: 3, count: null, big: 9223372036854775807n, score: 1.25, published: false,
      at: '2024-05-06T07:08:09.123+00:00', mail: 'a@b.io', ip: '10.0.0.1', link: 'https://example.com/x', status: 'live',
      tags: ['a', 'b'], nums: [1, 9007199254740993n],
    });
    const got = await ok(await send('GET', `${t.rows}/first`));
    expect(got).toEqual(row);
  });

  it('generates an id for unique() and refuses a duplicate id with row_already_exists', async () => {
    const row = await ok(await send('POST', t.rows, { rowId: 'unique()', data: { title: 'x' } }), 201);
    expect(row.$id).toMatch(/^[0-9a-f]{20}$/);
    expect(row.$permissions).toEqual([]);
    await fails(await send('POST', t.rows, { rowId: row.$id, data: { title: 'y' } }), 409, 'row_already_exists');
    await fails(await send('POST', t.rows, { rowId: 'bad id!', data: { title: 'y' } }), 400, 'general_argument_invalid');
    await fails(await send('POST', t.rows, { rowId: 'x1', data: {} }), 400, 'row_missing_data');
  });

  it('selects columns on get', async () => {
    const q = encodeURIComponent(JSON.stringify({ method: 'select', values: ['title', '$id'] }));
    const got = await ok(await send('GET', `${t.rows}/first?queries[0]=${q}`));
    const full = await ok(await send('GET', `${t.rows}/first`));
    expect(got).toEqual({
      $id: 'first', $sequence: full.$sequence, $tableId: 'posts', $databaseId: t.db, $createdAt: full.$createdAt,
      $updatedAt: full.$updatedAt, $permissions: full.$permissions, title: 'Hello',
    });
  });

  it('updates partially, keeps what was not sent, and bumps $updatedAt only on change', async () => {
    const before = await ok(await send('GET', `${t.rows}/first`));
    await new Promise((r) => setTimeout(r, 5));
    const same = await ok(await send('PATCH', `${t.rows}/first`, { data: { title: 'Hello' } }));
    expect(same.$updatedAt).toBe(before.$updatedAt);
    const changed = await ok(await send('PATCH', `${t.rows}/first`, { data: { views: 4, tags: [] } }));
    expect(changed).toMatchObject({ title: 'Hello', views: 4, tags: [], big: 9223372036854775807n, $permissions: ['read("any")'] });
    expect(changed.$updatedAt).not.toBe(before.$updatedAt);
    expect(changed.$createdAt).toBe(before.$createdAt);
    await fails(await send('PATCH', `${t.rows}/first`, {}), 400, 'row_missing_payload');
    await fails(await send('PATCH', `${t.rows}/nope`, { data: { views: 1 } }), 404, 'row_not_found');
  });

  it('upserts: PUT creates, then updates keeping the rest', async () => {
    const created = await ok(await send('PUT', `${t.rows}/up1`, { data: { title: 'Up', views: 1 } }));
    expect(created).toMatchObject({ $id: 'up1', title: 'Up', views: 1, published: false });
    const updated = await ok(await send('PUT', `${t.rows}/up1`, { data: { views: 2 } }));
    expect(updated).toMatchObject({ $id: 'up1', title: 'Up', views: 2, $sequence: created.$sequence });
    await fails(await send('PUT', `${t.rows}/up2`, { data: { views: 2 } }), 400, 'row_invalid_structure', 'Invalid document structure: Missing required attribute "title"');
  });

  it('lists with queries, total and total=false', async () => {
    for (const [id, views] of [['l1', 10], ['l2', 20], ['l3', 30]] as const) {
      await ok(await send('POST', t.rows, { rowId: id, data: { title: id, views, status: 'draft' } }), 201);
    }
    const q = (o: Json) => encodeURIComponent(JSON.stringify(o));
    const list = await ok<{ total: number; rows: Json[] }>(
      await send('GET', `${t.rows}?queries[0]=${q({ method: 'equal', attribute: 'status', values: ['draft'] })}&queries[1]=${q({ method: 'orderDesc', attribute: 'views' })}&queries[2]=${q({ method: 'limit', values: [2] })}`),
    );
    expect(list.total).toBe(3);
    expect(list.rows.map((r) => r.$id)).toEqual(['l3', 'l2']);
    expect(list.rows[0]).toMatchObject({ $tableId: 'posts', $databaseId: t.db, views: 30 });
    const noTotal = await ok<{ total: number; rows: Json[] }>(await send('GET', `${t.rows}?queries[0]=${q({ method: 'limit', values: [1] })}&total=false`));
    expect(noTotal.total).toBe(0);
    expect(noTotal.rows).toHaveLength(1);
    const after = await ok<{ rows: Json[] }>(
      await send('GET', `${t.rows}?queries[0]=${q({ method: 'equal', attribute: 'status', values: ['draft'] })}&queries[1]=${q({ method: 'cursorAfter', values: ['l1'] })}`),
    );
    expect(after.rows.map((r) => r.$id)).toEqual(['l2', 'l3']);
    await fails(await send('GET', `${t.rows}?queries[0]=${q({ method: 'cursorAfter', values: ['ghost'] })}`), 400, 'general_cursor_not_found', "Row 'ghost' for the 'cursor' value not found.");
  });

  it('deletes with 204 and an empty body, then the row is gone', async () => {
    await ok(await send('POST', t.rows, { rowId: 'gone', data: { title: 'bye' } }), 201);
    const res = await send('DELETE', `${t.rows}/gone`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    await fails(await send('GET', `${t.rows}/gone`), 404, 'row_not_found', "Row with the requested ID 'gone' could not be found.");
    await fails(await send('DELETE', `${t.rows}/gone`), 404, 'row_not_found');
    const table = await loadTable(env.DB, t.db, 'posts');
    const perms = await env.DB.prepare(`SELECT COUNT(*) AS n FROM "${table.permsSqlName}" p WHERE NOT EXISTS (SELECT 1 FROM "${table.sqlName}" r WHERE r._seq = p._seq)`).first<{ n: number }>();
    expect(perms?.n).toBe(0);
  });

  it('keeps _permissions and the side table in sync', async () => {
    await ok(await send('POST', t.rows, { rowId: 'perm', data: { title: 'p' }, permissions: ['read("users")', 'write("team:t1")'] }), 201);
    const updated = await ok(await send('PATCH', `${t.rows}/perm`, { permissions: ['read("any")', 'delete("label:vip")'] }));
    expect(updated.$permissions).toEqual(['read("any")', 'delete("label:vip")']);
    const table = await loadTable(env.DB, t.db, 'posts');
    const row = await findRow(env.DB, table, 'perm');
    const side = await env.DB.prepare(`SELECT type, role FROM "${table.permsSqlName}" WHERE _seq = ? ORDER BY type, role`).bind(row!.seq).all();
    expect(side.results).toEqual([{ type: 'delete', role: 'label:vip' }, { type: 'read', role: 'any' }]);
    await fails(await send('PATCH', `${t.rows}/perm`, { permissions: ['create("any")'] }), 400, 'general_argument_invalid');
  });
});

describe('rows: value validation', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    t = await setup();
  });
  const cases: [string, Json, string][] = [
    ['unknown key', { title: 'a', nope: 1 }, 'Unknown attribute: "nope"'],
    ['required missing', { views: 1 }, 'Missing required attribute "title"'],
    ['required null', { title: null }, 'Missing required attribute "title"'],
    ['string type', { title: 5 }, 'Attribute "title" has invalid type. Value must be a valid string and no longer than 10 chars'],
    ['string size', { title: 'x'.repeat(11) }, 'Attribute "title" has invalid type. Value must be a valid string and no longer than 10 chars'],
    ['integer type', { title: 'a', views: 'many' }, 'Attribute "views" has invalid format. Value must be a valid integer'],
    ['integer fraction', { title: 'a', views: 1.5 }, 'Attribute "views" has invalid format. Value must be a valid integer'],
    ['integer max', { title: 'a', views: 1001 }, 'Attribute "views" has invalid format. Value must be a valid range between 0 and 1,000'],
    ['integer min', { title: 'a', views: -1 }, 'Attribute "views" has invalid format. Value must be a valid range between 0 and 1,000'],
    ['float max', { title: 'a', score: 100 }, 'Attribute "score" has invalid format. Value must be a valid range between -2 and 100'],
    ['float type', { title: 'a', score: '1' }, 'Attribute "score" has invalid format. Value must be a valid float'],
    ['boolean', { title: 'a', published: 'yes' }, 'Attribute "published" has invalid type. Value must be a valid boolean'],
    ['datetime', { title: 'a', at: 'yesterday' }, 'Attribute "at" has invalid type.'],
    ['email', { title: 'a', mail: 'not-an-email' }, 'Attribute "mail" has invalid format. Value must be a valid email address'],
    ['ip', { title: 'a', ip: '300.1.1.1' }, 'Attribute "ip" has invalid format. Value must be a valid IP address'],
    ['url', { title: 'a', link: 'nope' }, 'Attribute "link" has invalid format. Value must be a valid URL'],
    ['enum', { title: 'a', status: 'gone' }, 'Attribute "status" has invalid format. Value must be one of (draft, live)'],
    ['array expected', { title: 'a', tags: 'x' }, 'Attribute "tags" must be an array'],
    ['array element', { title: 'a', tags: ['ok', 'toolong'] }, `Attribute "tags['1']" has invalid type. Value must be a valid string and no longer than 5 chars`],
    ['array of integers', { title: 'a', nums: [1, 'b'] }, `Attribute "nums['1']" has invalid format. Value must be a valid integer`],
    ['non-array scalar', { title: ['a'] }, 'Attribute "title" has invalid type.'],
  ];
  for (const [name, data, message] of cases) {
    it(`refuses ${name} with row_invalid_structure, and document_invalid_structure on legacy`, async () => {
      const row = await fails(await send('POST', t.rows, { rowId: 'unique()', data }), 400, 'row_invalid_structure');
      expect(row.message.startsWith(`Invalid document structure: ${message}`), row.message).toBe(true);
      const doc = await fails(await send('POST', t.docs, { documentId: 'unique()', data }), 400, 'document_invalid_structure');
      expect(doc.message).toBe(row.message);
    });
  }

  it('changes nothing when a value is refused', async () => {
    await ok(await send('POST', t.rows, { rowId: 'keep', data: { title: 'keep', views: 5 } }), 201);
    await fails(await send('PATCH', `${t.rows}/keep`, { data: { views: 5000 } }), 400, 'row_invalid_structure');
    await fails(await send('PATCH', `${t.rows}/keep`, { data: { title: null } }), 400, 'row_invalid_structure', 'Invalid document structure: Missing required attribute "title"');
    expect(await ok(await send('GET', `${t.rows}/keep`))).toMatchObject({ title: 'keep', views: 5 });
  });

  it('round-trips int64 extremes exactly and accepts IPv6 and defaults', async () => {
    const row = await ok(await send('POST', t.rows, { rowId: 'big', data: { title: 'b', big: -9223372036854775807n, count: 9007199254740993n, ip: '2001:db8::1' } }), 201);
    expect(row).toMatchObject({ big: -9223372036854775807n, count: 9007199254740993n, ip: '2001:db8::1', published: false });
    const text = await (await send('GET', `${t.rows}/big`)).text();
    expect(text).toContain('"big":-9223372036854775807');
    // Appwrite's int64 range is symmetric: ±9223372036854775807.
    await fails(await send('POST', t.rows, { rowId: 'big2', data: { title: 'b', big: -9223372036854775808n } }), 400, 'row_invalid_structure');
    expect(text).toContain('"count":9007199254740993');
  });
});

describe('rows: legacy Databases shape', () => {
  it('serves documents with $collectionId and document_* errors on the same table', async () => {
    const t = await setup();
    const doc = await ok(await send('POST', t.docs, { documentId: 'd1', data: { title: 'doc' } }), 201);
    expect(doc).toMatchObject({ $id: 'd1', $collectionId: 'posts', $databaseId: t.db, title: 'doc' });
    expect(doc).not.toHaveProperty('$tableId');
    const list = await ok<{ total: number; documents: Json[] }>(await send('GET', t.docs));
    expect(list.total).toBe(1);
    expect(list.documents[0].$id).toBe('d1');
    expect(await ok(await send('GET', `${t.rows}/d1`))).toMatchObject({ $tableId: 'posts', title: 'doc' });
    await fails(await send('GET', `${t.docs}/nope`), 404, 'document_not_found', "Document with the requested ID 'nope' could not be found.");
    await fails(await send('POST', t.docs, { documentId: 'd1', data: { title: 'x' } }), 409, 'document_already_exists');
    await fails(await send('GET', `/v1/databases/${t.db}/collections/none/documents`), 404, 'collection_not_found');
    await fails(await send('GET', `/v1/tablesdb/${t.db}/tables/none/rows`), 404, 'table_not_found');
    await fails(await send('GET', `/v1/tablesdb/nodb/tables/posts/rows`), 404, 'database_not_found');
    expect((await send('DELETE', `${t.docs}/d1`)).status).toBe(204);
  });
});

describe('rows: unique indexes', () => {
  it('refuses a value a unique index already holds with row_unique_constraint_violation / document_…', async () => {
    const t = await setup();
    await ok(await send('POST', `/v1/tablesdb/${t.db}/tables/posts/indexes`, { key: 'uniq_title', type: 'unique', columns: ['title'] }), 202);
    await ok(await send('POST', t.rows, { rowId: 'u1', data: { title: 'same' } }), 201);
    await fails(await send('POST', t.rows, { rowId: 'u2', data: { title: 'same' } }), 409, 'row_unique_constraint_violation');
    await fails(await send('POST', t.docs, { documentId: 'u2', data: { title: 'same' } }), 409, 'document_unique_constraint_violation');
    await ok(await send('POST', t.rows, { rowId: 'u2', data: { title: 'other' } }), 201);
    await fails(await send('PATCH', `${t.rows}/u2`, { data: { title: 'same' } }), 409, 'row_unique_constraint_violation');
    await fails(await send('GET', `${t.rows}/u3`), 404, 'row_not_found');
  });
});

describe('rows: increment and decrement', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    t = await setup();
    await ok(await send('POST', t.rows, { rowId: 'c', data: { title: 'c', views: 5 } }), 201);
  });

  it('steps by value, from null as zero', async () => {
    expect(await ok(await send('PATCH', `${t.rows}/c/views/increment`, { value: 2 }))).toMatchObject({ views: 7 });
    expect(await ok(await send('PATCH', `${t.rows}/c/views/decrement`, {}))).toMatchObject({ views: 6 });
    expect(await ok(await send('PATCH', `${t.rows}/c/count/increment`, { value: 3 }))).toMatchObject({ count: 3 });
    expect(await ok(await send('PATCH', `${t.rows}/c/score/increment`, { value: 0.5 }))).toMatchObject({ score: 0.5 });
  });

  it('refuses a step past max/min with column_limit_exceeded (attribute_limit_exceeded on legacy), changing nothing', async () => {
    await fails(await send('PATCH', `${t.rows}/c/views/increment`, { value: 5, max: 10 }), 400, 'column_limit_exceeded', 'tablesDB "views" has reached the maximum value of 10');
    await fails(await send('PATCH', `${t.docs}/c/views/decrement`, { value: 7, min: 0 }), 400, 'attribute_limit_exceeded', 'databases "views" has reached the minimum value of 0');
    expect(await ok(await send('GET', `${t.rows}/c`))).toMatchObject({ views: 6 });
    expect(await ok(await send('PATCH', `${t.rows}/c/views/increment`, { value: 4, max: 10 }))).toMatchObject({ views: 10 });
  });

  it('never passes the bound under concurrency', async () => {
    await ok(await send('PATCH', `${t.rows}/c`, { data: { count: 0 } }));
    const results = await Promise.all(Array.from({ length: 12 }, () => send('PATCH', `${t.rows}/c/count/increment`, { value: 1, max: 8 })));
    const codes = results.map((r) => r.status).sort();
    expect(codes.filter((c) => c === 200)).toHaveLength(8);
    expect(codes.filter((c) => c === 400)).toHaveLength(4);
    expect(await ok(await send('GET', `${t.rows}/c`))).toMatchObject({ count: 8 });
  });

  it('refuses unknown columns, non-numbers, non-positive values and missing rows', async () => {
    await fails(await send('PATCH', `${t.rows}/c/nope/increment`, {}), 404, 'column_not_found');
    await fails(await send('PATCH', `${t.docs}/c/nope/increment`, {}), 404, 'attribute_not_found');
    await fails(await send('PATCH', `${t.rows}/c/title/increment`, {}), 400, 'attribute_type_invalid', 'tablesDB "title" is not a number');
    await fails(await send('PATCH', `${t.rows}/c/views/increment`, { value: 0 }), 400, 'general_argument_invalid');
    await fails(await send('PATCH', `${t.rows}/none/views/increment`, {}), 404, 'row_not_found');
  });
});

describe('rows: bulk operations (API keys only)', () => {
  it('creates, upserts, updates and deletes many rows in one batch', async () => {
    const t = await setup();
    const created = await ok<{ total: number; rows: Json[] }>(
      await send('POST', t.rows, { rows: [{ $id: 'b1', title: 'one', views: 1 }, { $id: 'b2', title: 'two', views: 2, $permissions: ['read("any")'] }, { title: 'three' }] }),
      201,
    );
    expect(created.total).toBe(3);
    expect(created.rows.map((r) => r.$id).slice(0, 2)).toEqual(['b1', 'b2']);
    expect(created.rows[1].$permissions).toEqual(['read("any")']);
    // One bad row: nothing is written.
    await fails(await send('POST', t.rows, { rows: [{ $id: 'b9', title: 'ok' }, { $id: 'b1', title: 'dup' }] }), 409, 'row_already_exists');
    await fails(await send('GET', `${t.rows}/b9`), 404, 'row_not_found');
    const upserted = await ok<{ total: number; rows: Json[] }>(await send('PUT', t.rows, { rows: [{ $id: 'b1', views: 10 }, { $id: 'b4', title: 'four' }] }));
    expect(upserted.rows).toMatchObject([{ $id: 'b1', title: 'one', views: 10 }, { $id: 'b4', title: 'four' }]);
    // A row that would not change comes back as it is, in its place among the written ones.
    const mixed = await ok<{ rows: Json[] }>(await send('PUT', t.rows, { rows: [{ $id: 'b4', title: 'four' }, { $id: 'b1', views: 11 }] }));
    expect(mixed.rows).toMatchObject([{ $id: 'b4', title: 'four', $updatedAt: upserted.rows[1].$updatedAt }, { $id: 'b1', views: 11 }]);
    await ok(await send('PUT', t.rows, { rows: [{ $id: 'b1', views: 10 }] }));
    const q = JSON.stringify({ method: 'greaterThan', attribute: 'views', values: [1] });
    const updated = await ok<{ total: number; rows: Json[] }>(await send('PATCH', t.rows, { data: { status: 'live' }, queries: [q] }));
    expect(updated.rows.map((r) => r.$id).sort()).toEqual(['b1', 'b2']);
    expect(updated.rows.every((r) => r.status === 'live')).toBe(true);
    const deleted = await ok<{ total: number; rows: Json[] }>(await send('DELETE', t.rows, { queries: [JSON.stringify({ method: 'equal', attribute: 'status', values: ['live'] })] }));
    expect(deleted.total).toBe(2);
    const left = await ok<{ total: number }>(await send('GET', t.rows));
    expect(left.total).toBe(2);
    // Sessions and guests may not use bulk operations.
    await fails(await send('POST', t.rows, { rows: [{ title: 'x' }] }, null), 401, 'general_unauthorized_scope');
  });
});

describe('row events', () => {
  it('names the change in both APIs and carries the read roles (row roles only under rowSecurity)', async () => {
    const t = await setup({ permissions: ['read("team:staff")', 'create("users")'], rowSecurity: true });
    await ok(await send('POST', t.rows, { rowId: 'ev', data: { title: 'e', big: 9223372036854775807n }, permissions: ['read("user:u1")', 'update("user:u1")'] }), 201);
    const table = await loadTable(env.DB, t.db, 'posts');
    const row = (await findRow(env.DB, table, 'ev'))!;
    const user = userPrincipal({ id: 'u1', emailVerification: false, phoneVerification: false, labels: [], memberships: [] }, 's1', 'session');
    const event = rowEvent(table, row, TABLES_API, 'update', user);
    expect(event.events).toEqual([`databases.${t.db}.tables.posts.rows.ev.update`, `databases.${t.db}.collections.posts.documents.ev.update`]);
    expect(event.roles.sort()).toEqual(['team:staff', 'user:u1']);
    expect(event.userId).toBe('u1');
    expect(event.payload).toMatchObject({ $id: 'ev', $tableId: 'posts', title: 'e' });
    expect(() => JSON.stringify(event)).not.toThrow();
    const noSecurity = { ...table, rowSecurity: false };
    expect(rowEvent(noSecurity, row, TABLES_API, 'delete', user).roles).toEqual(['team:staff']);
  });
});

describe('rows: D1 row size limit', () => {
  it('refuses a create or update that would make a row larger than 2 MB, and writes nothing', async () => {
    const t = await setup();
    await ok(await send('POST', `/v1/tablesdb/${t.db}/tables/posts/columns/longtext`, { key: 'body', required: false }), 202);
    await ok(await send('POST', `/v1/tablesdb/${t.db}/tables/posts/columns/longtext`, { key: 'notes', required: false }), 202);
    const big = 'x'.repeat(1_200_000);

    await fails(await send('POST', t.rows, { rowId: 'huge', data: { title: 'h', body: 'é'.repeat(1_100_000) } }), 400, 'row_invalid_structure', /row is \d+ bytes; a row holds at most 2000000 bytes/);
    await fails(await send('GET', `${t.rows}/huge`), 404, 'row_not_found');

    await ok(await send('POST', t.rows, { rowId: 'grows', data: { title: 'g', body: big } }), 201);
    // Each half fits alone; the row after the update would not.
    await fails(await send('PATCH', `${t.rows}/grows`, { data: { notes: big } }), 400, 'row_invalid_structure');
    await fails(await send('PATCH', `${t.docs}/grows`, { data: { notes: big } }), 400, 'document_invalid_structure');
    const kept = await ok<Json>(await send('GET', `${t.rows}/grows`));
    expect(kept.notes).toBeNull();
    expect((kept.body as string).length).toBe(1_200_000);
    await ok(await send('PATCH', `${t.rows}/grows`, { data: { body: null, notes: big } }));

    await fails(
      await send('POST', t.rows, { rows: [{ $id: 'bulk-ok', title: 'a' }, { $id: 'bulk-big', title: 'b', body: big, notes: big }] }),
      400,
      'row_invalid_structure',
    );
    await fails(await send('GET', `${t.rows}/bulk-ok`), 404, 'row_not_found');
  });
});
