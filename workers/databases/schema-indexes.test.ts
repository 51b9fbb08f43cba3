import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../../test/helpers';
import { post, patch, get, del, ok, sql, tableSeq, sqlColumns, newDb, cols, idx, columnsFor } from './testing/schema-api';

// Indexes, and the inline schema of table create.

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
