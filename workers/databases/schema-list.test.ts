import { describe, expect, it } from 'vitest';
import { call, errorOf, rootKey } from '../../test/helpers';

/** Schema list queries (databases, tables, columns, indexes) in both APIs. */
const post = (path: string, json: unknown) => call(path, { method: 'POST', key: rootKey(), json });

async function ok<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

const qs = (...queries: unknown[]) => queries.map((q, i) => `queries[${i}]=${encodeURIComponent(JSON.stringify(q))}`).join('&');
const list = <T>(path: string, ...queries: unknown[]) => call(`${path}?${qs(...queries)}`, { key: rootKey() }).then((r) => ok<T>(r));
const refused = async (path: string, ...queries: unknown[]) => errorOf(await call(`${path}?${qs(...queries)}`, { key: rootKey() }));

async function newDb(name = 'Test'): Promise<string> {
  const id = `db${crypto.randomUUID().slice(0, 8)}`;
  await ok(await post('/v1/tablesdb', { databaseId: id, name }), 201);
  return id;
}

type Ids = { total: number; databases?: { $id: string }[]; tables?: { $id: string }[]; collections?: { $id: string }[] };
const ids = (items: { $id: string }[] | undefined) => (items ?? []).map((i) => i.$id);
const keys = (items: { key: string }[]) => items.map((i) => i.key);

describe('databases list', () => {
  it('filters by name, searches, pages with cursors and refuses attributes Appwrite does not allow', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const [a, b, c] = [await newDb(`alpha ${tag}`), await newDb(`beta ${tag}`), await newDb(`gamma ${tag}`)];
    const mine = { method: 'endsWith', attribute: 'name', values: [tag] };

    const all = await list<Ids>('/v1/tablesdb', mine);
    expect([all.total, ids(all.databases)]).toEqual([3, [a, b, c]]);
    const named = await list<Ids>('/v1/databases', { method: 'equal', attribute: 'name', values: [`beta ${tag}`] });
    expect(ids(named.databases)).toEqual([b]);
    const desc = await list<Ids>('/v1/tablesdb', mine, { method: 'orderDesc', attribute: 'name' }, { method: 'cursorAfter', values: [c] });
    expect(ids(desc.databases)).toEqual([b, a]);
    expect(desc.total).toBe(3);
    const before = await list<Ids>('/v1/tablesdb', mine, { method: 'cursorBefore', values: [c] }, { method: 'limit', values: [1] });
    expect(ids(before.databases)).toEqual([b]);

    // `search` matches the id or any word of the name.
    const found = await ok<Ids>(await call(`/v1/tablesdb?search=${encodeURIComponent(`gamma ${tag}`)}&${qs(mine)}`, { key: rootKey() }));
    expect(ids(found.databases)).toEqual([a, b, c]);
    const byId = await ok<Ids>(await call(`/v1/tablesdb?search=${b}`, { key: rootKey() }));
    expect(ids(byId.databases)).toEqual([b]);

    for (const bad of [
      { method: 'equal', attribute: 'enabled', values: [true] },
      { method: 'equal', attribute: 'name', values: [1] },
      { method: 'limit', values: [0] },
      { method: 'select', values: ['name'] },
      { method: 'nope', attribute: 'name', values: ['x'] },
    ]) {
      const err = await refused('/v1/tablesdb', bad);
      expect([err.status, err.type], JSON.stringify(bad)).toEqual([400, 'general_query_invalid']);
    }
    const gone = await refused('/v1/tablesdb', { method: 'cursorAfter', values: ['nodb'] });
    expect([gone.status, gone.type, gone.message]).toEqual([400, 'general_cursor_not_found', "Database 'nodb' for the 'cursor' value not found."]);
  });
});

describe('tables list', () => {
  it('filters, orders and searches within its database; a cursor names a table of that database only', async () => {
    const db = await newDb();
    const other = await newDb();
    for (const [id, name, rowSecurity] of [['a', 'Zebra', true], ['b', 'Yak', false], ['c', 'Xerus notes', true]] as const) {
      await ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: id, name, rowSecurity }), 201);
    }
    await ok(await post(`/v1/tablesdb/${other}/tables`, { tableId: 'z', name: 'Other' }), 201);
    await ok(await post(`/v1/tablesdb/${other}/tables`, { tableId: 'b', name: 'Aardvark' }), 201);
    const path = `/v1/tablesdb/${db}/tables`;

    const secure = await list<Ids>(path, { method: 'equal', attribute: 'rowSecurity', values: [true] }, { method: 'orderAsc', attribute: 'name' });
    expect([secure.total, ids(secure.tables)]).toEqual([2, ['c', 'a']]);
    const legacy = await list<Ids>(`/v1/databases/${db}/collections`, { method: 'equal', attribute: 'documentSecurity', values: [false] });
    expect(ids(legacy.collections)).toEqual(['b']);
    expect((await refused(`/v1/databases/${db}/collections`, { method: 'equal', attribute: 'rowSecurity', values: [true] })).type).toBe('general_query_invalid');

    const page = await list<Ids>(path, { method: 'orderDesc', attribute: 'name' }, { method: 'cursorAfter', values: ['a'] }, { method: 'limit', values: [1] });
    expect(ids(page.tables)).toEqual(['b']);
    // The other database's `b` (named Aardvark) must not stand in for this one's (Yak).
    const afterYak = await list<Ids>(path, { method: 'orderDesc', attribute: 'name' }, { method: 'cursorAfter', values: ['b'] });
    expect(ids(afterYak.tables)).toEqual(['c']);
    const beforeYak = await list<Ids>(path, { method: 'orderDesc', attribute: 'name' }, { method: 'cursorBefore', values: ['b'] });
    expect(ids(beforeYak.tables)).toEqual(['a']);
    const cross = await refused(path, { method: 'cursorAfter', values: ['z'] });
    expect([cross.type, cross.message]).toEqual(['general_cursor_not_found', "Table 'z' for the 'cursor' value not found."]);
    expect((await refused(`/v1/databases/${db}/collections`, { method: 'cursorAfter', values: ['z'] })).message).toBe("Collection 'z' for the 'cursor' value not found.");

    const searched = await ok<Ids>(await call(`${path}?search=notes`, { key: rootKey() }));
    expect(ids(searched.tables)).toEqual(['c']);
    const invalid = await refused(path, { method: 'greaterThan', attribute: 'permissions', values: ['x'] });
    expect([invalid.status, invalid.type]).toEqual([400, 'general_query_invalid']);
    expect((await refused(`/v1/tablesdb/nodb${crypto.randomUUID().slice(0, 6)}/tables`)).type).toBe('database_not_found');
  });
});

describe('columns and indexes lists', () => {
  it('filter on the model values (wire type, size, status), order, page and name the cursor by key', async () => {
    const db = await newDb();
    await ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: 'posts', name: 'Posts' }), 201);
    const cols = `/v1/tablesdb/${db}/tables/posts/columns`;
    await ok(await post(`${cols}/string`, { key: 'title', size: 100, required: true }), 202);
    await ok(await post(`${cols}/float`, { key: 'score', required: false }), 202);
    await ok(await post(`${cols}/email`, { key: 'author', required: false }), 202);
    await ok(await post(`${cols}/string`, { key: 'tags', size: 20, required: false, array: true }), 202);

    type Columns = { total: number; columns: { key: string }[]; attributes?: { key: string }[] };
    expect(keys((await list<Columns>(cols, { method: 'equal', attribute: 'type', values: ['string'] })).columns)).toEqual(['title', 'author', 'tags']);
    expect(keys((await list<Columns>(cols, { method: 'equal', attribute: 'type', values: ['double'] })).columns)).toEqual(['score']);
    expect(keys((await list<Columns>(cols, { method: 'greaterThan', attribute: 'size', values: [50] }, { method: 'equal', attribute: 'status', values: ['available'] })).columns))
      .toEqual(['title', 'author']);
    expect(keys((await list<Columns>(cols, { method: 'equal', attribute: 'required', values: [false] }, { method: 'equal', attribute: 'array', values: [true] })).columns)).toEqual(['tags']);
    const page = await list<Columns>(cols, { method: 'orderDesc', attribute: 'key' }, { method: 'cursorAfter', values: ['tags'] }, { method: 'limit', values: [2] });
    expect([page.total, keys(page.columns)]).toEqual([4, ['score', 'author']]);
    const legacy = await list<Columns>(`/v1/databases/${db}/collections/posts/attributes`, { method: 'offset', values: [3] });
    expect(keys(legacy.attributes!)).toEqual(['tags']);

    const unknownCol = await refused(cols, { method: 'cursorAfter', values: ['nope'] });
    expect([unknownCol.type, unknownCol.message]).toEqual(['general_cursor_not_found', "Column 'nope' for the 'cursor' value not found."]);
    expect((await refused(`/v1/databases/${db}/collections/posts/attributes`, { method: 'cursorAfter', values: ['nope'] })).message)
      .toBe("Attribute 'nope' for the 'cursor' value not found.");
    const badCol = await refused(cols, { method: 'equal', attribute: 'default', values: ['x'] });
    expect([badCol.status, badCol.type]).toEqual([400, 'general_query_invalid']);
    expect((await refused(`/v1/tablesdb/${db}/tables/nope/columns`)).type).toBe('table_not_found');

    const indexes = `/v1/tablesdb/${db}/tables/posts/indexes`;
    await ok(await post(indexes, { key: 'by_title', type: 'unique', columns: ['title'] }), 202);
    await ok(await post(indexes, { key: 'by_score', type: 'key', columns: ['score', 'title'] }), 202);
    await ok(await post(indexes, { key: 'by_author', type: 'key', columns: ['author'] }), 202);
    type Indexes = { total: number; indexes: { key: string }[] };
    expect(keys((await list<Indexes>(indexes, { method: 'contains', attribute: 'columns', values: ['title'] })).indexes)).toEqual(['by_title', 'by_score']);
    expect(keys((await list<Indexes>(indexes, { method: 'contains', attribute: 'attributes', values: ['author'] })).indexes)).toEqual(['by_author']);
    expect(keys((await list<Indexes>(indexes, { method: 'equal', attribute: 'type', values: ['key'] }, { method: 'cursorBefore', values: ['by_author'] })).indexes))
      .toEqual(['by_score']);
    const legacyIdx = await list<Indexes>(`/v1/databases/${db}/collections/posts/indexes`, { method: 'orderAsc', attribute: 'key' });
    expect([legacyIdx.total, keys(legacyIdx.indexes)]).toEqual([3, ['by_author', 'by_score', 'by_title']]);
    expect((await refused(`/v1/databases/${db}/collections/posts/indexes`, { method: 'contains', attribute: 'columns', values: ['title'] })).type).toBe('general_query_invalid');
    const noIdx = await refused(indexes, { method: 'cursorAfter', values: ['nope'] });
    expect(noIdx.message).toBe("Index 'nope' for the 'cursor' value not found.");
  });
});
