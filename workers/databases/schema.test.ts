import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { call, errorOf, rootKey } from '../../test/helpers';
import { parseJsonBig, stringifyJsonBig } from '../lib/json-big';

const json = (body: unknown) => JSON.stringify(body);
const post = (path: string, body: unknown, key: string | null = rootKey()) => call(path, { method: 'POST', key, body: json(body) });
const patch = (path: string, body: unknown, key: string | null = rootKey()) => call(path, { method: 'PATCH', key, body: json(body) });
const put = (path: string, body: unknown, key: string | null = rootKey()) => call(path, { method: 'PUT', key, body: json(body) });
const get = (path: string, key: string | null = rootKey()) => call(path, { key });
const del = (path: string, key: string | null = rootKey()) => call(path, { method: 'DELETE', key });

async function ok<T = Record<string, unknown>>(res: Response, status?: number): Promise<T> {
  const text = await res.text();
  if (status !== undefined) expect(res.status, text).toBe(status);
  else expect(res.status, text).toBeLessThan(300);
  return (text ? parseJsonBig(text) : null) as T;
}

async function sql<T = Record<string, unknown>>(query: string, ...binds: unknown[]): Promise<T[]> {
  return (await env.DB.prepare(query).bind(...binds).all<T>()).results;
}

async function tableSeq(databaseId: string, tableId: string): Promise<number> {
  const [row] = await sql<{ seq: number }>('SELECT seq FROM tables WHERE database_id = ? AND id = ?', databaseId, tableId);
  return row.seq;
}

async function sqlColumns(seq: number): Promise<Record<string, string>> {
  const rows = await sql<{ name: string; type: string }>(`PRAGMA table_info("t_${seq}")`);
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

async function newDb(prefix = 'tablesdb') {
  const id = `db${crypto.randomUUID().slice(0, 8)}`;
  await ok(await post(`/v1/${prefix}`, { databaseId: id, name: 'Test' }), 201);
  return id;
}

async function newTable(db: string, id = 'posts', extra: Record<string, unknown> = {}) {
  return ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: id, name: 'Posts', ...extra }), 201);
}

describe('big-json', () => {
  it('keeps integers beyond 2^53 exact both ways', () => {
    const parsed = parseJsonBig('{"min":-9223372036854775808,"max":9007199254740993,"n":12,"f":1.5,"e":1e300}') as Record<string, unknown>;
    expect(parsed).toEqual({ min: -9223372036854775808n, max: 9007199254740993n, n: 12, f: 1.5, e: 1e300 });
    expect(stringifyJsonBig(parsed)).toBe('{"min":-9223372036854775808,"max":9007199254740993,"n":12,"f":1.5,"e":1e+300}');
  });
});

describe('databases', () => {
  it('creates, gets, lists, updates and deletes a database in both APIs', async () => {
    const db = await newDb();
    const got = await ok(await get(`/v1/tablesdb/${db}`));
    expect(got).toMatchObject({ $id: db, name: 'Test', enabled: true, type: 'tablesdb' });
    const legacy = await ok(await get(`/v1/databases/${db}`));
    expect(legacy.$id).toBe(db);
    const list = await ok<{ total: number; databases: { $id: string }[] }>(await get(`/v1/tablesdb?queries[0]=${encodeURIComponent(json({ method: 'equal', attribute: '$id', values: [db] }))}`));
    expect(list.total).toBe(1);
    expect(list.databases[0].$id).toBe(db);
    const updated = await ok(await put(`/v1/tablesdb/${db}`, { name: 'Renamed', enabled: false }));
    expect(updated).toMatchObject({ name: 'Renamed', enabled: false });
    expect((await errorOf(await post('/v1/tablesdb', { databaseId: db, name: 'Again' }))).type).toBe('database_already_exists');
    await ok(await del(`/v1/tablesdb/${db}`), 204);
    expect((await errorOf(await get(`/v1/tablesdb/${db}`))).type).toBe('database_not_found');
  });

  it('deleting a database drops its tables', async () => {
    const db = await newDb();
    await newTable(db);
    const seq = await tableSeq(db, 'posts');
    await ok(await del(`/v1/tablesdb/${db}`), 204);
    expect(await sql(`SELECT name FROM sqlite_master WHERE name LIKE 't_${seq}%'`)).toEqual([]);
    expect(await sql('SELECT * FROM tables WHERE database_id = ?', db)).toEqual([]);
  });
});

describe('tables', () => {
  it('creates the real table, its permission side table and their indexes', async () => {
    const db = await newDb();
    const table = await newTable(db, 'posts', { permissions: ['read("any")', 'write("users")'], rowSecurity: true });
    expect(table).toMatchObject({
      $id: 'posts', databaseId: db, name: 'Posts', enabled: true, rowSecurity: true, columns: [], indexes: [],
      $permissions: ['read("any")', 'create("users")', 'update("users")', 'delete("users")'],
    });
    const seq = await tableSeq(db, 'posts');
    expect(await sqlColumns(seq)).toEqual({ _seq: 'INTEGER', _uid: 'TEXT', _createdAt: 'TEXT', _updatedAt: 'TEXT', _permissions: 'TEXT' });
    expect((await sql<{ name: string }>(`PRAGMA table_info("t_${seq}_perms")`)).map((c) => c.name)).toEqual(['_seq', 'type', 'role']);
    const indexes = (await sql<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 't_${seq}_%'`)).map((r) => r.name);
    expect(indexes.sort()).toEqual([`t_${seq}_created`, `t_${seq}_perms_role`, `t_${seq}_updated`]);
  });

  it('lists, updates and deletes tables; legacy shapes use collection names', async () => {
    const db = await newDb();
    await newTable(db, 'a');
    await newTable(db, 'b');
    const list = await ok<{ total: number; tables: { $id: string }[] }>(await get(`/v1/tablesdb/${db}/tables?search=b`));
    expect(list.tables.map((t) => t.$id)).toEqual(['b']);
    const legacy = await ok<{ total: number; collections: Record<string, unknown>[] }>(await get(`/v1/databases/${db}/collections`));
    expect(legacy.total).toBe(2);
    expect(legacy.collections[0]).toHaveProperty('documentSecurity', false);
    expect(legacy.collections[0]).toHaveProperty('attributes', []);
    const updated = await ok(await put(`/v1/tablesdb/${db}/tables/a`, { name: 'A2', rowSecurity: true, enabled: false }));
    expect(updated).toMatchObject({ name: 'A2', rowSecurity: true, enabled: false });
    const seq = await tableSeq(db, 'a');
    await ok(await del(`/v1/tablesdb/${db}/tables/a`), 204);
    expect(await sql(`SELECT name FROM sqlite_master WHERE name LIKE 't_${seq}%'`)).toEqual([]);
    expect((await errorOf(await get(`/v1/tablesdb/${db}/tables/a`))).type).toBe('table_not_found');
    expect((await errorOf(await get(`/v1/databases/${db}/collections/a`))).type).toBe('collection_not_found');
  });

  it('refuses duplicates, unknown databases and bad permissions without changing anything', async () => {
    const db = await newDb();
    await newTable(db);
    expect((await errorOf(await post(`/v1/tablesdb/${db}/tables`, { tableId: 'posts', name: 'x' }))).type).toBe('table_already_exists');
    expect((await errorOf(await post(`/v1/databases/${db}/collections`, { collectionId: 'posts', name: 'x' }))).type).toBe('collection_already_exists');
    expect((await errorOf(await post('/v1/tablesdb/nope/tables', { tableId: 'x', name: 'x' }))).type).toBe('database_not_found');
    const bad = await errorOf(await post(`/v1/tablesdb/${db}/tables`, { tableId: 'p2', name: 'x', permissions: ['fly("any")'] }));
    expect(bad.type).toBe('general_argument_invalid');
    expect(await sql('SELECT id FROM tables WHERE database_id = ?', db)).toEqual([{ id: 'posts' }]);
  });
});

const cols = (db: string, t = 'posts') => `/v1/tablesdb/${db}/tables/${t}/columns`;

/** One column of every type, with the variants each type takes. */
const EVERY_TYPE: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
  ['string', { key: 'title', size: 64, required: true }, { type: 'string', size: 64, required: true, default: null, encrypt: false }, 'TEXT'],
  ['varchar', { key: 'slug', size: 32, required: false, default: 'x' }, { type: 'varchar', size: 32, default: 'x' }, 'TEXT'],
  ['text', { key: 'body', required: false, array: true }, { type: 'text', array: true, default: null }, 'TEXT'],
  ['mediumtext', { key: 'notes', required: false, default: 'n' }, { type: 'mediumtext', default: 'n' }, 'TEXT'],
  ['longtext', { key: 'raw', required: false, encrypt: true }, { type: 'longtext', encrypt: true }, 'TEXT'],
  ['integer', { key: 'views', required: false, min: 0, max: 1000, default: 5 }, { type: 'integer', min: 0, max: 1000, default: 5 }, 'INTEGER'],
  ['integer', { key: 'plain', required: false }, { type: 'integer', min: -9223372036854775808n, max: 9223372036854775807n, default: null }, 'INTEGER'],
  ['bigint', { key: 'big', required: false, min: 9007199254740993n, max: 9223372036854775807n, default: 9007199254740995n }, { type: 'bigint', min: 9007199254740993n, max: 9223372036854775807n, default: 9007199254740995n }, 'INTEGER'],
  ['float', { key: 'score', required: false, min: -1.5, max: 2.5, default: 0.5 }, { type: 'double', min: -1.5, max: 2.5, default: 0.5 }, 'REAL'],
  ['boolean', { key: 'published', required: false, default: false }, { type: 'boolean', default: false }, 'INTEGER'],
  ['datetime', { key: 'at', required: false, default: '2026-01-02T03:04:05Z' }, { type: 'datetime', format: 'datetime', default: '2026-01-02T03:04:05.000+00:00' }, 'TEXT'],
  ['email', { key: 'mail', required: false, default: 'a@example.com' }, { type: 'string', format: 'email', default: 'a@example.com' }, 'TEXT'],
  ['ip', { key: 'addr', required: false, default: '2001:db8::1' }, { type: 'string', format: 'ip', default: '2001:db8::1' }, 'TEXT'],
  ['url', { key: 'link', required: false, array: true }, { type: 'string', format: 'url', array: true }, 'TEXT'],
  ['enum', { key: 'state', required: false, elements: ['draft', 'live'], default: 'draft' }, { type: 'string', format: 'enum', elements: ['draft', 'live'], default: 'draft' }, 'TEXT'],
];

describe('columns', () => {
  it('creates one real column of every type and reports Appwrite column models', async () => {
    const db = await newDb();
    await newTable(db);
    for (const [type, body, expected] of EVERY_TYPE) {
      const res = await call(`${cols(db)}/${type}`, { method: 'POST', key: rootKey(), body: stringifyJsonBig(body) });
      const column = await ok(res, 202);
      expect(column, type).toMatchObject({ key: body.key, status: 'available', error: '', required: body.required, array: body.array ?? false, ...expected });
    }
    const seq = await tableSeq(db, 'posts');
    const real = await sqlColumns(seq);
    for (const [, body, , sqlType] of EVERY_TYPE) expect(real[`c_${body.key}`], String(body.key)).toBe(sqlType);

    const text = await (await get(cols(db))).text();
    // int64 bounds leave as exact number literals.
    expect(text).toContain('"min":-9223372036854775808');
    expect(text).toContain('"default":9007199254740995');
    const list = parseJsonBig(text) as { total: number; columns: { key: string }[] };
    expect(list.total).toBe(EVERY_TYPE.length);
    const attributes = await ok<{ attributes: { key: string }[] }>(await get(`/v1/databases/${db}/collections/posts/attributes`));
    expect(attributes.attributes.map((a) => a.key)).toEqual(list.columns.map((c) => c.key));
    const table = await ok<{ columns: unknown[]; bytesMax: number; bytesUsed: number }>(await get(`/v1/tablesdb/${db}/tables/posts`));
    expect(table.columns).toHaveLength(EVERY_TYPE.length);
    expect(table.bytesMax).toBe(2_000_000);
    expect(table.bytesUsed).toBeGreaterThan(0);
    expect(await ok(await get(`${cols(db)}/state`))).toMatchObject({ key: 'state', elements: ['draft', 'live'] });
  });

  it('refuses bad columns with the right error and changes nothing', async () => {
    const db = await newDb();
    await newTable(db);
    await ok(await post(`${cols(db)}/string`, { key: 'title', size: 10, required: false }), 202);
    const seq = await tableSeq(db, 'posts');
    const before = await sqlColumns(seq);
    const cases: [string, Record<string, unknown>, string, string?][] = [
      ['string', { key: 'title', size: 10, required: false }, 'column_already_exists'],
      ['string', { key: 'TITLE', size: 10, required: false }, 'column_already_exists'],
      ['string', { key: '_hidden', size: 10, required: false }, 'general_argument_invalid'],
      ['string', { key: 'a b', size: 10, required: false }, 'general_argument_invalid'],
      ['string', { key: 'x'.repeat(37), size: 10, required: false }, 'general_argument_invalid'],
      ['string', { key: 'long', size: 3, required: false, default: 'abcd' }, 'column_value_invalid'],
      ['string', { key: 'nosize', required: false }, 'general_argument_invalid'],
      ['string', { key: 'req', size: 5, required: true, default: 'a' }, 'column_default_unsupported'],
      ['string', { key: 'arr', size: 5, required: false, array: true, default: 'a' }, 'column_default_unsupported'],
      ['integer', { key: 'n', required: false, default: 'five' }, 'general_argument_invalid'],
      ['integer', { key: 'n', required: false, min: 10, max: 1 }, 'column_value_invalid', 'Minimum value must be lesser than maximum value'],
      ['integer', { key: 'n', required: false, min: 0, max: 10, default: 11 }, 'column_value_invalid'],
      ['float', { key: 'f', required: false, min: 0, max: 1, default: 2 }, 'column_value_invalid'],
      ['boolean', { key: 'b', required: false, default: 'yes' }, 'general_argument_invalid'],
      ['email', { key: 'e', required: false, default: 'not-an-email' }, 'general_argument_invalid'],
      ['ip', { key: 'i', required: false, default: '300.1.1.1' }, 'general_argument_invalid'],
      ['url', { key: 'u', required: false, default: 'nope' }, 'general_argument_invalid'],
      ['datetime', { key: 'd', required: false, default: 'yesterday' }, 'general_argument_invalid'],
      ['enum', { key: 'en', required: false, elements: ['a', 'b'], default: 'c' }, 'column_value_invalid', 'Default value not found in elements'],
      ['enum', { key: 'en', required: false, elements: [] }, 'column_value_invalid'],
      ['point', { key: 'p', required: false }, 'column_type_not_supported'],
    ];
    for (const [type, body, expected, message] of cases) {
      const err = await errorOf(await post(`${cols(db)}/${type}`, body));
      expect(err.type, JSON.stringify(body)).toBe(expected);
      if (message) expect(err.message).toBe(message);
    }
    const legacy = await errorOf(await post(`/v1/databases/${db}/collections/posts/attributes/string`, { key: 'title', size: 5, required: false }));
    expect(legacy.type).toBe('attribute_already_exists');
    expect((await errorOf(await post(`/v1/databases/${db}/collections/posts/attributes/integer`, { key: 'n', required: false, min: 2, max: 1 }))).type).toBe('attribute_value_invalid');
    expect((await errorOf(await post(`/v1/databases/${db}/collections/nope/attributes/integer`, { key: 'n', required: false }))).type).toBe('collection_not_found');
    expect((await errorOf(await post(`${cols(db, 'nope')}/integer`, { key: 'n', required: false }))).type).toBe('table_not_found');
    expect((await errorOf(await post(`/v1/tablesdb/nope/tables/posts/columns/integer`, { key: 'n', required: false }))).type).toBe('database_not_found');
    expect(await sqlColumns(seq)).toEqual(before);
    expect((await sql('SELECT "key" FROM columns WHERE table_seq = ?', seq)).length).toBe(1);
  });

  it('stops at D1 column limit before touching SQL', async () => {
    const db = await newDb();
    await newTable(db);
    for (let i = 0; i < 95; i++) await ok(await post(`${cols(db)}/boolean`, { key: `b${i}`, required: false }), 202);
    const err = await errorOf(await post(`${cols(db)}/boolean`, { key: 'one_more', required: false }));
    expect(err.type).toBe('column_limit_exceeded');
    expect(err.code).toBe(400);
    const seq = await tableSeq(db, 'posts');
    expect(Object.keys(await sqlColumns(seq))).toHaveLength(100);
    expect((await errorOf(await post(`/v1/databases/${db}/collections/posts/attributes/boolean`, { key: 'one_more', required: false }))).type).toBe('attribute_limit_exceeded');
  });

  it('stops at D1 row size before touching SQL: declared string sizes must fit a 2 MB row together', async () => {
    const db = await newDb();
    await newTable(db);
    const seq = await tableSeq(db, 'posts');
    await ok(await post(`${cols(db)}/string`, { key: 'a', size: 1_000_000, required: false }), 202);
    await ok(await post(`${cols(db)}/string`, { key: 'b', size: 999_000, required: false }), 202);
    // The text family is bounded per row write instead, so it never counts against the schema.
    for (const type of ['text', 'mediumtext', 'longtext']) await ok(await post(`${cols(db)}/${type}`, { key: `t_${type}`, required: false }), 202);
    const err = await errorOf(await post(`${cols(db)}/string`, { key: 'c', size: 2_000, required: false }));
    expect(err).toMatchObject({ code: 400, type: 'column_limit_exceeded' });
    expect(err.message).toContain('2000000');
    const grow = await errorOf(await patch(`${cols(db)}/string/b`, { required: false, default: null, size: 1_500_000 }));
    expect(grow.type).toBe('column_limit_exceeded');
    expect(Object.keys(await sqlColumns(seq))).not.toContain('c_c');
    expect(await ok(await get(`${cols(db)}/b`))).toMatchObject({ size: 999_000 });
    const inline = await errorOf(await post(`/v1/tablesdb/${db}/tables`, {
      tableId: 'wide', name: 'Wide',
      columns: [{ key: 'x', type: 'string', size: 1_500_000, required: false }, { key: 'y', type: 'string', size: 1_500_000, required: false }],
    }));
    expect(inline.type).toBe('column_limit_exceeded');
    expect(await sql('SELECT 1 FROM tables WHERE database_id = ? AND id = ?', db, 'wide')).toEqual([]);
  });

  it('updates a column: required/default/size/bounds, rename, and refuses a type mismatch', async () => {
    const db = await newDb();
    await newTable(db);
    await ok(await post(`${cols(db)}/string`, { key: 'title', size: 20, required: false }), 202);
    await ok(await post(`${cols(db)}/integer`, { key: 'n', required: false, min: 0, max: 10 }), 202);
    const seq = await tableSeq(db, 'posts');
    const updated = await ok(await patch(`${cols(db)}/string/title`, { required: false, default: 'hello', size: 30 }));
    expect(updated).toMatchObject({ key: 'title', size: 30, default: 'hello' });
    expect(await ok(await patch(`${cols(db)}/integer/n`, { required: true, default: null, max: 50 }))).toMatchObject({ min: 0, max: 50, required: true });
    expect((await errorOf(await patch(`${cols(db)}/integer/n`, { required: false, default: 60 }))).type).toBe('column_value_invalid');
    expect((await errorOf(await patch(`${cols(db)}/integer/title`, { required: false, default: null }))).type).toBe('column_type_invalid');
    expect((await errorOf(await patch(`${cols(db)}/string/missing`, { required: false, default: null }))).type).toBe('column_not_found');
    expect((await errorOf(await patch(`${cols(db)}/string/title`, { required: false, default: null, newKey: 'N' }))).type).toBe('column_already_exists');

    // A stored value longer than the new size blocks shrinking.
    await env.DB.prepare(`INSERT INTO t_${seq} (_uid, _createdAt, _updatedAt, c_title) VALUES ('r1', 'x', 'x', ?)`).bind('a'.repeat(25)).run();
    expect((await errorOf(await patch(`${cols(db)}/string/title`, { required: false, default: null, size: 10 }))).type).toBe('column_invalid_resize');

    const renamed = await ok(await patch(`${cols(db)}/string/title`, { required: false, default: null, newKey: 'headline' }));
    expect(renamed.key).toBe('headline');
    const real = await sqlColumns(seq);
    expect(real).toHaveProperty('c_headline');
    expect(real).not.toHaveProperty('c_title');
    expect((await sql(`SELECT c_headline FROM t_${seq}`))[0]).toEqual({ c_headline: 'a'.repeat(25) });
    await ok(await patch(`${cols(db)}/string/headline`, { required: false, default: null, newKey: 'Headline' }));
    expect(await sqlColumns(seq)).toHaveProperty('c_Headline');
  });

  it('deletes a column and the SQL column with it', async () => {
    const db = await newDb();
    await newTable(db);
    await ok(await post(`${cols(db)}/string`, { key: 'title', size: 20, required: false }), 202);
    const seq = await tableSeq(db, 'posts');
    await ok(await del(`${cols(db)}/title`), 204);
    expect(await sqlColumns(seq)).not.toHaveProperty('c_title');
    expect((await errorOf(await get(`${cols(db)}/title`))).type).toBe('column_not_found');
    expect((await errorOf(await del(`/v1/databases/${db}/collections/posts/attributes/title`))).type).toBe('attribute_not_found');
  });
});

const idx = (db: string, t = 'posts') => `/v1/tablesdb/${db}/tables/${t}/indexes`;

async function columnsFor(db: string) {
  await newTable(db);
  await ok(await post(`${cols(db)}/string`, { key: 'title', size: 100, required: false }), 202);
  await ok(await post(`${cols(db)}/text`, { key: 'body', required: false }), 202);
  await ok(await post(`${cols(db)}/integer`, { key: 'views', required: false }), 202);
  await ok(await post(`${cols(db)}/string`, { key: 'tags', size: 10, required: false, array: true }), 202);
  return tableSeq(db, 'posts');
}

describe('indexes', () => {
  it('creates real key and unique indexes and an FTS5 table kept in sync by triggers', async () => {
    const db = await newDb();
    const seq = await columnsFor(db);
    const key = await ok(await post(idx(db), { key: 'by_views', type: 'key', columns: ['views', '$createdAt'], orders: ['DESC'] }), 202);
    expect(key).toMatchObject({ key: 'by_views', type: 'key', status: 'available', error: '', columns: ['views', '$createdAt'], orders: ['DESC'], lengths: [null, null] });
    await ok(await post(idx(db), { key: 'uniq_title', type: 'unique', columns: ['title'] }), 202);
    await env.DB.prepare(`INSERT INTO t_${seq} (_uid, _createdAt, _updatedAt, c_title, c_body) VALUES ('r1', 'x', 'x', 'Hello world', 'first body')`).run();
    await ok(await post(idx(db), { key: 'search', type: 'fulltext', columns: ['title', 'body'] }), 202);

    const list = await sql<{ name: string; unique: number }>(`PRAGMA index_list("t_${seq}")`);
    const byName = Object.fromEntries(list.map((i) => [i.name, i.unique]));
    const defs = await ok<{ indexes: { key: string }[] }>(await get(idx(db)));
    expect(defs.indexes.map((i) => i.key)).toEqual(['by_views', 'uniq_title', 'search']);
    const names = (await sql<{ name: string; sql: string }>(`SELECT name, sql FROM sqlite_master WHERE name LIKE 't_${seq}_i_%' OR name LIKE 't_${seq}_fts_%'`));
    const keyIndex = names.find((n) => n.sql?.includes('"c_views" DESC'));
    expect(keyIndex).toBeDefined();
    expect(byName[keyIndex!.name]).toBe(0);
    const uniqueIndex = names.find((n) => n.sql?.startsWith('CREATE UNIQUE INDEX'));
    expect(byName[uniqueIndex!.name]).toBe(1);
    const fts = names.find((n) => n.sql?.includes('USING fts5'))!;
    expect(fts.name).toMatch(new RegExp(`^t_${seq}_fts_\\d+$`));

    // The existing row was indexed; inserts, updates and deletes follow through the triggers.
    const match = async (column: string, term: string) =>
      (await sql<{ _uid: string }>(`SELECT _uid FROM t_${seq} WHERE _seq IN (SELECT rowid FROM "${fts.name}" WHERE "${column}" MATCH ?) ORDER BY _seq`, term)).map((r) => r._uid);
    expect(await match('f0', 'hello')).toEqual(['r1']);
    await env.DB.prepare(`INSERT INTO t_${seq} (_uid, _createdAt, _updatedAt, c_title, c_body) VALUES ('r2', 'x', 'x', 'Other', 'hello body')`).run();
    expect(await match('f0', 'hello')).toEqual(['r1']);
    expect(await match('f1', 'hello')).toEqual(['r2']);
    await env.DB.prepare(`UPDATE t_${seq} SET c_title = 'Bye' WHERE _uid = 'r1'`).run();
    expect(await match('f0', 'hello')).toEqual([]);
    expect(await match('f0', 'bye')).toEqual(['r1']);
    await env.DB.prepare(`DELETE FROM t_${seq} WHERE _uid = 'r1'`).run();
    expect(await match('f0', 'bye')).toEqual([]);
    // Renaming an indexed column keeps the triggers working.
    await ok(await patch(`${cols(db)}/text/body`, { required: false, default: null, newKey: 'content' }));
    expect((await ok<{ columns: string[] }>(await get(`${idx(db)}/search`))).columns).toEqual(['title', 'content']);
    await env.DB.prepare(`INSERT INTO t_${seq} (_uid, _createdAt, _updatedAt, c_title, c_content) VALUES ('r3', 'x', 'x', 'T', 'renamed words')`).run();
    expect(await match('f1', 'renamed')).toEqual(['r3']);

    const legacy = await ok<{ indexes: Record<string, unknown>[] }>(await get(`/v1/databases/${db}/collections/posts/indexes`));
    expect(legacy.indexes[0]).toHaveProperty('attributes', ['views', '$createdAt']);
  });

  it('deleting a column removes it from indexes, dropping emptied ones and rebuilding the rest', async () => {
    const db = await newDb();
    const seq = await columnsFor(db);
    await ok(await post(idx(db), { key: 'only_views', type: 'key', columns: ['views'] }), 202);
    await ok(await post(idx(db), { key: 'views_title', type: 'key', columns: ['views', 'title'] }), 202);
    await ok(await post(idx(db), { key: 'fts', type: 'fulltext', columns: ['title', 'body'] }), 202);
    await ok(await del(`${cols(db)}/views`), 204);
    const left = await ok<{ indexes: { key: string; columns: string[] }[] }>(await get(idx(db)));
    expect(left.indexes.map((i) => [i.key, i.columns])).toEqual([['views_title', ['title']], ['fts', ['title', 'body']]]);
    await ok(await del(`${cols(db)}/title`), 204);
    const after = await ok<{ indexes: { key: string; columns: string[] }[] }>(await get(idx(db)));
    expect(after.indexes.map((i) => [i.key, i.columns])).toEqual([['fts', ['body']]]);
    expect(await sqlColumns(seq)).not.toHaveProperty('c_title');
    const sqlNames = (await sql<{ name: string }>(`SELECT name FROM sqlite_master WHERE name LIKE 't_${seq}_i_%'`)).map((r) => r.name);
    expect(sqlNames).toEqual([]);
    await env.DB.prepare(`INSERT INTO t_${seq} (_uid, _createdAt, _updatedAt, c_body) VALUES ('r1', 'x', 'x', 'still searchable')`).run();
    const [{ name: fts }] = await sql<{ name: string }>(`SELECT name FROM sqlite_master WHERE sql LIKE '%USING fts5%' AND name LIKE 't_${seq}_fts_%'`);
    expect((await sql(`SELECT rowid FROM "${fts}" WHERE "f0" MATCH 'searchable'`)).length).toBe(1);
  });

  it('deletes an index with its SQL objects', async () => {
    const db = await newDb();
    const seq = await columnsFor(db);
    await ok(await post(idx(db), { key: 'fts', type: 'fulltext', columns: ['title'] }), 202);
    await ok(await post(idx(db), { key: 'k', type: 'key', columns: ['title'] }), 202);
    await ok(await del(`${idx(db)}/fts`), 204);
    await ok(await del(`/v1/databases/${db}/collections/posts/indexes/k`), 204);
    expect(await sql(`SELECT name FROM sqlite_master WHERE name LIKE 't_${seq}_fts_%' OR name LIKE 't_${seq}_i_%'`)).toEqual([]);
    expect((await errorOf(await get(`${idx(db)}/k`))).type).toBe('column_index_not_found');
    expect((await errorOf(await get(`/v1/databases/${db}/collections/posts/indexes/k`))).type).toBe('index_not_found');
  });

  it('refuses bad indexes with the right error and changes nothing', async () => {
    const db = await newDb();
    const seq = await columnsFor(db);
    await ok(await post(idx(db), { key: 'k', type: 'key', columns: ['title'] }), 202);
    const before = await sql(`SELECT name FROM sqlite_master WHERE name LIKE 't_${seq}_%'`);
    const cases: [Record<string, unknown>, string][] = [
      [{ key: 'k', type: 'key', columns: ['views'] }, 'column_index_already_exists'],
      [{ key: 'x', type: 'key', columns: ['missing'] }, 'column_unknown'],
      [{ key: 'x', type: 'key', columns: ['tags'] }, 'index_invalid'],
      [{ key: 'x', type: 'fulltext', columns: ['views'] }, 'column_index_invalid'],
      [{ key: 'x', type: 'key', columns: [] }, 'column_index_invalid'],
      [{ key: 'x', type: 'key', columns: ['title', 'title'] }, 'column_index_invalid'],
      [{ key: 'x', type: 'key', columns: ['title'], orders: ['UP'] }, 'general_argument_invalid'],
      [{ key: 'x', type: 'bogus', columns: ['title'] }, 'general_argument_invalid'],
      [{ key: '-x', type: 'key', columns: ['title'] }, 'general_argument_invalid'],
    ];
    for (const [body, expected] of cases) expect((await errorOf(await post(idx(db), body))).type, JSON.stringify(body)).toBe(expected);
    expect((await errorOf(await post(`/v1/databases/${db}/collections/posts/indexes`, { key: 'k', type: 'key', attributes: ['views'] }))).type).toBe('index_already_exists');
    expect((await errorOf(await post(`/v1/databases/${db}/collections/posts/indexes`, { key: 'x', type: 'key', attributes: ['missing'] }))).type).toBe('attribute_unknown');
    // Duplicate stored values make a unique index impossible.
    await env.DB.prepare(`INSERT INTO t_${seq} (_uid, _createdAt, _updatedAt, c_views) VALUES ('a', 'x', 'x', 1), ('b', 'x', 'x', 1)`).run();
    expect((await errorOf(await post(idx(db), { key: 'u', type: 'unique', columns: ['views'] }))).type).toBe('column_index_invalid');
    expect(await sql(`SELECT name FROM sqlite_master WHERE name LIKE 't_${seq}_%'`)).toEqual(before);
    expect((await sql('SELECT "key" FROM indexes WHERE table_seq = ?', seq)).length).toBe(1);
  });
});

describe('inline schema on table create', () => {
  it('creates columns and indexes with the table in one step, or nothing', async () => {
    const db = await newDb();
    const table = await ok(await post(`/v1/tablesdb/${db}/tables`, {
      tableId: 'inline', name: 'Inline',
      columns: [{ key: 'title', type: 'string', size: 50 }, { key: 'score', type: 'double', min: 0, max: 1 }],
      indexes: [{ key: 'by_title', type: 'key', attributes: ['title'] }],
    }), 201);
    expect((table.columns as { key: string }[]).map((c) => c.key)).toEqual(['title', 'score']);
    expect((table.indexes as { key: string }[]).map((c) => c.key)).toEqual(['by_title']);
    const seq = await tableSeq(db, 'inline');
    expect(await sqlColumns(seq)).toMatchObject({ c_title: 'TEXT', c_score: 'REAL' });

    const bad = await errorOf(await post(`/v1/tablesdb/${db}/tables`, {
      tableId: 'broken', name: 'Broken', columns: [{ key: 'a', type: 'string', size: 5 }], indexes: [{ key: 'i', type: 'key', attributes: ['nope'] }],
    }));
    expect(bad.type).toBe('column_unknown');
    expect(await sql('SELECT id FROM tables WHERE database_id = ? AND id = ?', db, 'broken')).toEqual([]);
  });
});

describe('who may change the schema', () => {
  it('refuses guests, and keys without the scope, and changes nothing', async () => {
    const db = await newDb();
    await newTable(db);
    const reader = await ok<{ secret: string }>(await post('/v1/project/keys', { keyId: 'unique()', name: 'reader', scopes: ['tables.read', 'databases.read'] }), 201);
    const guest = await errorOf(await post(`${cols(db)}/string`, { key: 'x', size: 5, required: false }, null));
    expect([guest.status, guest.type]).toEqual([401, 'general_unauthorized_scope']);
    expect((await errorOf(await get(`/v1/tablesdb/${db}/tables`, null))).type).toBe('general_unauthorized_scope');
    expect((await errorOf(await post('/v1/tablesdb', { databaseId: 'unique()', name: 'x' }, null))).type).toBe('general_unauthorized_scope');
    const scoped = await errorOf(await post(`/v1/tablesdb/${db}/tables`, { tableId: 'x', name: 'x' }, reader.secret));
    expect([scoped.status, scoped.type]).toEqual([401, 'general_unauthorized_scope']);
    expect((await errorOf(await post(`${cols(db)}/string`, { key: 'x', size: 5, required: false }, reader.secret))).type).toBe('general_unauthorized_scope');
    expect((await errorOf(await del(`/v1/tablesdb/${db}`, reader.secret))).type).toBe('general_unauthorized_scope');
    // The reader may read.
    expect((await ok<{ total: number }>(await get(`/v1/tablesdb/${db}/tables`, reader.secret))).total).toBe(1);
    expect((await sql('SELECT "key" FROM columns c JOIN tables t ON c.table_seq = t.seq WHERE t.database_id = ?', db)).length).toBe(0);
    expect((await sql('SELECT id FROM tables WHERE database_id = ?', db)).length).toBe(1);
  });
});

describe('schema lists and events', () => {
  it('filters, orders, pages and refuses unknown query attributes', async () => {
    const db = await newDb();
    for (const id of ['a', 'b', 'c']) await newTable(db, id);
    const q = (...queries: unknown[]) => queries.map((x, i) => `queries[${i}]=${encodeURIComponent(json(x))}`).join('&');
    const page = await ok<{ total: number; tables: { $id: string }[] }>(
      await get(`/v1/tablesdb/${db}/tables?${q({ method: 'orderDesc', attribute: '$id' }, { method: 'limit', values: [2] }, { method: 'offset', values: [1] })}`),
    );
    expect([page.total, page.tables.map((t) => t.$id)]).toEqual([3, ['b', 'a']]);
    const after = await ok<{ tables: { $id: string }[] }>(await get(`/v1/tablesdb/${db}/tables?${q({ method: 'cursorAfter', values: ['a'] })}`));
    expect(after.tables.map((t) => t.$id)).toEqual(['b', 'c']);
    const noTotal = await ok<{ total: number; tables: unknown[] }>(await get(`/v1/tablesdb/${db}/tables?total=false`));
    expect([noTotal.total, noTotal.tables.length]).toEqual([0, 3]);
    expect((await errorOf(await get(`/v1/tablesdb/${db}/tables?${q({ method: 'equal', attribute: 'secret', values: [1] })}`))).type).toBe('general_query_invalid');
    expect((await errorOf(await get(`/v1/tablesdb/${db}/tables?${q({ method: 'cursorAfter', values: ['zz'] })}`))).type).toBe('general_cursor_not_found');
  });

  it('publishes both names of a schema event after the write', async () => {
    const send = vi.spyOn(env.EVENTS, 'sendBatch');
    try {
      const db = await newDb();
      await newTable(db, 'ev');
      await ok(await post(`${cols(db, 'ev')}/integer`, { key: 'n', required: false }), 202);
      await vi.waitFor(() => {
        const names = send.mock.calls.flatMap(([messages]) => [...messages].flatMap((m) => (m.body as { events: string[] }).events));
        expect(names).toContain(`databases.${db}.create`);
        expect(names).toContain(`databases.${db}.tables.ev.create`);
        expect(names).toContain(`databases.${db}.collections.ev.create`);
        expect(names).toContain(`databases.${db}.tables.ev.columns.n.create`);
        expect(names).toContain(`databases.${db}.collections.ev.attributes.n.create`);
      });
    } finally {
      send.mockRestore();
    }
  });
});
