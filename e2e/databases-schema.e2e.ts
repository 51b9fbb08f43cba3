import { describe, expect, it } from 'vitest';
import {
  Databases, DatabasesIndexType, ID, OrderBy, Permission, Role, TablesDB, TablesDBIndexType,
} from 'node-appwrite';

import { refusal, serverClient } from './support/ledge';

const BIG = 9007199254740993n; // 2^53 + 1: not representable as a JS number

describe('schema through node-appwrite TablesDB', () => {
  it('creates a database, a table with every column type, and indexes; reads back Appwrite shapes', async () => {
    const tablesDB = new TablesDB(serverClient());
    const database = await tablesDB.create({ databaseId: ID.unique(), name: 'Blog' });
    expect(database).toMatchObject({ name: 'Blog', enabled: true });
    const databaseId = database.$id;

    const table = await tablesDB.createTable({
      databaseId, tableId: 'posts', name: 'Posts', permissions: [Permission.read(Role.any())], rowSecurity: true,
    });
    expect(table).toMatchObject({ $id: 'posts', databaseId, rowSecurity: true, $permissions: ['read("any")'], columns: [], indexes: [] });

    const t = { databaseId, tableId: 'posts' };
    expect(await tablesDB.createStringColumn({ ...t, key: 'title', size: 128, required: true })).toMatchObject({ type: 'string', size: 128, status: 'available' });
    await tablesDB.createVarcharColumn({ ...t, key: 'slug', size: 64, required: false, xdefault: 'none' });
    await tablesDB.createTextColumn({ ...t, key: 'body', required: false });
    await tablesDB.createMediumtextColumn({ ...t, key: 'summary', required: false });
    await tablesDB.createLongtextColumn({ ...t, key: 'raw', required: false, array: true });
    expect(await tablesDB.createIntegerColumn({ ...t, key: 'views', required: false, min: 0, max: 1_000_000, xdefault: 0 })).toMatchObject({ min: 0, max: 1_000_000, default: 0 });
    const big = await tablesDB.createBigIntColumn({ ...t, key: 'big', required: false, min: BIG, max: BIG + 10n, xdefault: BIG + 1n });
    expect(big.min).toBe(BIG);
    expect(big.max).toBe(BIG + 10n);
    expect(big.default).toBe(BIG + 1n);
    expect(await tablesDB.createFloatColumn({ ...t, key: 'score', required: false, min: 0, max: 5.5 })).toMatchObject({ type: 'double', max: 5.5 });
    await tablesDB.createBooleanColumn({ ...t, key: 'published', required: false, xdefault: false });
    expect(await tablesDB.createDatetimeColumn({ ...t, key: 'publishedAt', required: false })).toMatchObject({ type: 'datetime', format: 'datetime' });
    expect(await tablesDB.createEmailColumn({ ...t, key: 'author', required: false })).toMatchObject({ type: 'string', format: 'email' });
    await tablesDB.createIpColumn({ ...t, key: 'ip', required: false });
    await tablesDB.createUrlColumn({ ...t, key: 'link', required: false });
    expect(await tablesDB.createEnumColumn({ ...t, key: 'status', elements: ['draft', 'live'], required: false, xdefault: 'draft' }))
      .toMatchObject({ format: 'enum', elements: ['draft', 'live'], default: 'draft' });

    const key = await tablesDB.createIndex({ ...t, key: 'by_views', type: TablesDBIndexType.Key, columns: ['views'], orders: [OrderBy.Desc] });
    expect(key).toMatchObject({ key: 'by_views', type: 'key', columns: ['views'], status: 'available' });
    await tablesDB.createIndex({ ...t, key: 'uniq_slug', type: TablesDBIndexType.Unique, columns: ['slug'] });
    await tablesDB.createIndex({ ...t, key: 'search', type: TablesDBIndexType.Fulltext, columns: ['title', 'body'] });

    const read = await tablesDB.getTable(t);
    expect(read.columns.map((c) => c.key)).toEqual([
      'title', 'slug', 'body', 'summary', 'raw', 'views', 'big', 'score', 'published', 'publishedAt', 'author', 'ip', 'link', 'status',
    ]);
    expect(read.indexes.map((i) => i.key)).toEqual(['by_views', 'uniq_slug', 'search']);
    const columns = await tablesDB.listColumns(t);
    expect(columns.total).toBe(14);
    expect((await tablesDB.getColumn({ ...t, key: 'big' }) as { min: bigint }).min).toBe(BIG);
    expect((await tablesDB.listIndexes(t)).total).toBe(3);
    expect((await tablesDB.listTables({ databaseId })).tables.map((x) => x.$id)).toEqual(['posts']);

    const updated = await tablesDB.updateStringColumn({ ...t, key: 'title', required: false, xdefault: 'Untitled', size: 200, newKey: 'headline' });
    expect(updated).toMatchObject({ key: 'headline', size: 200, default: 'Untitled' });
    expect((await tablesDB.getIndex({ ...t, key: 'search' })).columns).toEqual(['headline', 'body']);
    await tablesDB.deleteIndex({ ...t, key: 'uniq_slug' });
    await tablesDB.deleteColumn({ ...t, key: 'slug' });
    expect((await tablesDB.listColumns(t)).total).toBe(13);

    const dup = await refusal(tablesDB.createStringColumn({ ...t, key: 'headline', size: 5, required: false }));
    expect([dup.code, dup.type]).toEqual([409, 'column_already_exists']);
    const range = await refusal(tablesDB.createIntegerColumn({ ...t, key: 'bad', required: false, min: 5, max: 1 }));
    expect(range.type).toBe('column_value_invalid');
    expect((await refusal(tablesDB.getTable({ databaseId, tableId: 'nope' }))).type).toBe('table_not_found');

    await tablesDB.deleteTable(t);
    await tablesDB.delete({ databaseId });
    expect((await refusal(tablesDB.get({ databaseId }))).type).toBe('database_not_found');
  });
});

describe('schema through node-appwrite Databases (legacy)', () => {
  it('creates a collection with attributes and indexes and returns legacy shapes', async () => {
    const databases = new Databases(serverClient());
    const database = await databases.create({ databaseId: ID.unique(), name: 'Legacy' });
    const databaseId = database.$id;
    const collection = await databases.createCollection({ databaseId, collectionId: 'notes', name: 'Notes', documentSecurity: true });
    expect(collection).toMatchObject({ $id: 'notes', documentSecurity: true, attributes: [], indexes: [] });

    const c = { databaseId, collectionId: 'notes' };
    await databases.createStringAttribute({ ...c, key: 'title', size: 100, required: true });
    await databases.createIntegerAttribute({ ...c, key: 'rank', required: false });
    await databases.createBigIntAttribute({ ...c, key: 'big', required: false, max: BIG });
    await databases.createFloatAttribute({ ...c, key: 'score', required: false });
    await databases.createBooleanAttribute({ ...c, key: 'done', required: false });
    await databases.createDatetimeAttribute({ ...c, key: 'due', required: false });
    await databases.createEmailAttribute({ ...c, key: 'owner', required: false });
    await databases.createEnumAttribute({ ...c, key: 'kind', elements: ['a', 'b'], required: false });
    await databases.createIpAttribute({ ...c, key: 'ip', required: false });
    await databases.createUrlAttribute({ ...c, key: 'url', required: false });
    await databases.createVarcharAttribute({ ...c, key: 'code', size: 10, required: false });
    await databases.createTextAttribute({ ...c, key: 'text', required: false });
    await databases.createMediumtextAttribute({ ...c, key: 'medium', required: false });
    await databases.createLongtextAttribute({ ...c, key: 'long', required: false });
    const index = await databases.createIndex({ ...c, key: 'by_title', type: DatabasesIndexType.Fulltext, attributes: ['title'] });
    expect(index).toMatchObject({ key: 'by_title', type: 'fulltext', attributes: ['title'] });

    const read = await databases.getCollection(c);
    expect(read.attributes).toHaveLength(14);
    expect(read.indexes[0]).toMatchObject({ attributes: ['title'] });
    const rank = (await databases.getAttribute({ ...c, key: 'rank' })) as { min: bigint; max: bigint };
    expect(rank.min).toBe(-9223372036854775808n);
    expect(rank.max).toBe(9223372036854775807n);
    expect(((await databases.getAttribute({ ...c, key: 'big' })) as { max: bigint }).max).toBe(BIG);
    expect((await databases.listAttributes(c)).total).toBe(14);
    expect((await databases.listCollections({ databaseId })).collections.map((x) => x.$id)).toEqual(['notes']);

    const dup = await refusal(databases.createStringAttribute({ ...c, key: 'title', size: 5, required: false }));
    expect(dup.type).toBe('attribute_already_exists');
    expect((await refusal(databases.getCollection({ databaseId, collectionId: 'nope' }))).type).toBe('collection_not_found');
    expect((await refusal(databases.getIndex({ ...c, key: 'nope' }))).type).toBe('index_not_found');
    await databases.delete({ databaseId });
  });
});
