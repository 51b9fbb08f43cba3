import { describe, expect, it } from 'vitest';
import { errorOf } from '../../test/helpers';
import { json, post, put, get, del, ok, sql, tableSeq, sqlColumns, newDb, newTable } from './testing/schema-api';

// Databases and tables through the TablesDB API.

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
    expect(await sqlColumns(seq)).toEqual({ _seq: 'INTEGER', _uid: 'TEXT', _createdAt: 'TEXT', _updatedAt: 'TEXT', _permissions: 'TEXT', _read: 'TEXT' });
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
