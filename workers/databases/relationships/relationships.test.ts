/**
 * Relationship columns through HTTP in workerd: the schema routes (both APIs), nested writes,
 * opt-in nested reads under the related table's permissions, queries by related id, and the
 * onDelete rules with their all-or-nothing batches.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rootKey, signedInUser } from '../../../test/helpers';
import type { LedgeEvent } from '../../events/event';
import { registerSink } from '../../events/publish';
import { del, get, newDb, ok, patch, post, sql, tableSeq } from '../testing/schema-api';

type Row = Record<string, unknown>;
const q = (method: string, attribute?: string, values?: unknown[]) => JSON.stringify({ method, ...(attribute ? { attribute } : {}), ...(values ? { values } : {}) });
const qs = (queries: string[]) => queries.map((x) => `queries[]=${encodeURIComponent(x)}`).join('&');

let db = '';
const T = (t: string) => `/v1/tablesdb/${db}/tables/${t}`;
const rows = (t: string) => `${T(t)}/rows`;

async function table(id: string, extra: Row = {}) {
  await ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: id, name: id, permissions: ['read("any")', 'create("users")', 'update("users")', 'delete("users")'], ...extra }), 201);
  await ok(await post(`${T(id)}/columns/string`, { key: 'name', size: 64, required: false }), 202);
}

async function relate(from: string, body: Row) {
  return ok<Row>(await post(`${T(from)}/columns/relationship`, body), 202);
}

/** A blog: posts → authors manyToOne two-way (`author` / `posts`), posts → tags manyToMany (`tags`). */
async function blog(onDelete: 'restrict' | 'cascade' | 'setNull' = 'restrict') {
  db = await newDb();
  // Authors are read by row: no table-wide read, so each author's own read permission decides.
  await table('authors', { rowSecurity: true, permissions: ['create("users")', 'update("users")', 'delete("users")'] });
  await table('posts');
  await table('tags');
  await relate('posts', { relatedTableId: 'authors', type: 'manyToOne', twoWay: true, key: 'author', twoWayKey: 'posts', onDelete });
  await relate('posts', { relatedTableId: 'tags', type: 'manyToMany', key: 'tags', onDelete: 'setNull' });
}

const seen: LedgeEvent[] = [];
const remove = registerSink({ name: 'relationships-test', deliver: async (_env, events) => void seen.push(...events) });
afterEach(() => void (seen.length = 0));
afterAll(() => remove());

describe('relationship columns in the schema', () => {
  beforeAll(() => blog());

  it('creates both sides, lists and gets them with Appwrite’s model', async () => {
    const list = await ok<{ total: number; columns: Row[] }>(await get(`${T('posts')}/columns`));
    expect(list.total).toBe(3);
    expect(list.columns.find((c) => c.key === 'author')).toMatchObject({
      type: 'relationship', relatedTable: 'authors', relationType: 'manyToOne', twoWay: true, twoWayKey: 'posts', onDelete: 'restrict', side: 'parent', status: 'available',
    });
    const twin = await ok<Row>(await get(`${T('authors')}/columns/posts`));
    expect(twin).toMatchObject({ key: 'posts', relatedTable: 'posts', relationType: 'manyToOne', twoWayKey: 'author', side: 'child' });
    // One-way: no column on the related table.
    const tagCols = await ok<{ columns: Row[] }>(await get(`${T('tags')}/columns`));
    expect(tagCols.columns.map((c) => c.key)).toEqual(['name']);
    const table = await ok<{ columns: Row[] }>(await get(T('authors')));
    expect(table.columns.map((c) => c.key)).toEqual(['name', 'posts']);
  });

  it('refuses a taken key, an unknown related table and a bad type without writing', async () => {
    const taken = await post(`${T('posts')}/columns/relationship`, { relatedTableId: 'tags', type: 'oneToOne', key: 'name' });
    expect(taken.status).toBe(409);
    expect((await taken.json<Row>()).type).toBe('column_already_exists');
    const twinTaken = await post(`${T('posts')}/columns/relationship`, { relatedTableId: 'authors', type: 'oneToOne', key: 'x', twoWay: true, twoWayKey: 'name' });
    expect(twinTaken.status).toBe(409);
    const missing = await post(`${T('posts')}/columns/relationship`, { relatedTableId: 'nope', type: 'oneToOne' });
    expect((await missing.json<Row>()).type).toBe('table_not_found');
    const badType = await post(`${T('posts')}/columns/relationship`, { relatedTableId: 'tags', type: 'someToSome' });
    expect(badType.status).toBe(400);
    expect(await sql('SELECT 1 FROM columns WHERE "key" = ?', 'x')).toEqual([]);
  });

  it('PATCH …/columns/{key}/relationship updates onDelete on both sides and renames; the generic PATCH still serves scalar columns', async () => {
    const updated = await ok<Row>(await patch(`${T('posts')}/columns/author/relationship`, { onDelete: 'setNull' }));
    expect(updated).toMatchObject({ key: 'author', onDelete: 'setNull' });
    expect(await ok<Row>(await get(`${T('authors')}/columns/posts`))).toMatchObject({ onDelete: 'setNull' });
    const renamed = await ok<Row>(await patch(`${T('authors')}/columns/posts/relationship`, { newKey: 'articles' }));
    expect(renamed.key).toBe('articles');
    expect(await ok<Row>(await get(`${T('posts')}/columns/author`))).toMatchObject({ twoWayKey: 'articles' });
    await ok(await patch(`${T('authors')}/columns/articles/relationship`, { newKey: 'posts', onDelete: 'restrict' }));
    await ok(await patch(`${T('posts')}/columns/string/name`, { required: false, default: null }));
    const scalar = await patch(`${T('posts')}/columns/name/relationship`, { onDelete: 'cascade' });
    expect((await scalar.json<Row>()).type).toBe('column_type_invalid');
  });

  it('serves the legacy attributes routes', async () => {
    const base = `/v1/databases/${db}/collections`;
    const created = await ok<Row>(await post(`${base}/tags/attributes/relationship`, { relatedCollectionId: 'authors', type: 'oneToOne', key: 'curator' }), 202);
    expect(created).toMatchObject({ relatedCollection: 'authors', relationType: 'oneToOne', side: 'parent' });
    expect(await ok<Row>(await patch(`${base}/tags/attributes/relationship/curator`, { onDelete: 'cascade' }))).toMatchObject({ onDelete: 'cascade' });
    await ok(await del(`${base}/tags/attributes/curator`), 204);
  });

  it('a stranger is refused the relationship routes', async () => {
    const stranger = await signedInUser();
    const res = await stranger.req(`${T('posts')}/columns/relationship`, { method: 'POST', json: { relatedTableId: 'tags', type: 'oneToOne' } });
    expect(res.status).toBe(401);
    const upd = await stranger.req(`${T('posts')}/columns/author/relationship`, { method: 'PATCH', json: { onDelete: 'cascade' } });
    expect(upd.status).toBe(401);
  });

  it('deleting a relationship column drops both sides and the link table', async () => {
    await relate('tags', { relatedTableId: 'authors', type: 'oneToMany', key: 'fans', twoWay: true, twoWayKey: 'favourite' });
    const seq = (await sql<{ seq: number }>(`SELECT seq FROM relationships WHERE parent_key = 'fans'`))[0].seq;
    await ok(await del(`${T('authors')}/columns/favourite`), 204);
    expect(await sql('SELECT 1 FROM relationships WHERE seq = ?', seq)).toEqual([]);
    expect(await sql(`SELECT 1 FROM sqlite_master WHERE name = 'r_${seq}'`)).toEqual([]);
    expect((await get(`${T('tags')}/columns/fans`)).status).toBe(404);
  });
});

describe('rows with relationships', () => {
  let reader: Awaited<ReturnType<typeof signedInUser>>;
  let stranger: Awaited<ReturnType<typeof signedInUser>>;
  beforeAll(async () => {
    await blog();
    reader = await signedInUser();
    stranger = await signedInUser();
    await ok(await post(rows('authors'), { rowId: 'ann', data: { name: 'Ann' }, permissions: [`read("user:${reader.user.id}")`] }), 201);
    await ok(await post(rows('authors'), { rowId: 'bob', data: { name: 'Bob' }, permissions: ['read("any")'] }), 201);
  });

  it('creates with a related id and nested rows, all in one write', async () => {
    const created = await ok<Row>(await post(rows('posts'), {
      rowId: 'p1', data: { name: 'First', author: 'ann', tags: ['news', { $id: 'tech', name: 'Tech' }].map((t) => (t === 'news' ? { $id: 'news', name: 'News' } : t)) },
    }), 201);
    expect(created).not.toHaveProperty('author');
    await ok(await post(rows('posts'), { rowId: 'p2', data: { name: 'Second', author: { $id: 'cy', name: 'Cy', $permissions: ['read("any")'] }, tags: ['tech'] } }), 201);
    await ok(await post(rows('posts'), { rowId: 'p3', data: { name: 'Orphan' } }), 201);
    expect((await ok<Row>(await get(`${rows('authors')}/cy`))).name).toBe('Cy');
  });

  it('reads related rows only when selected, nested as Appwrite does', async () => {
    const plain = await ok<Row>(await get(`${rows('posts')}/p1`));
    expect(plain).not.toHaveProperty('author');
    const full = await ok<Row>(await get(`${rows('posts')}/p1?${qs([q('select', undefined, ['*', 'author.*', 'tags.name'])])}`));
    expect(full.author).toMatchObject({ $id: 'ann', name: 'Ann', $tableId: 'authors' });
    expect((full.tags as Row[]).map((t) => [t.$id, t.name])).toEqual([['news', 'News'], ['tech', 'Tech']]);
    const back = await ok<Row>(await get(`${rows('authors')}/cy?${qs([q('select', undefined, ['name', 'posts.name', 'posts.tags.*'])])}`));
    expect(back.posts).toMatchObject([{ $id: 'p2', name: 'Second', tags: [{ $id: 'tech' }] }]);
    const tooDeep = await get(`${rows('posts')}/p1?${qs([q('select', undefined, ['author.posts.author.posts.*'])])}`);
    expect(tooDeep.status).toBe(400);
    const unknown = await get(`${rows('posts')}/p1?${qs([q('select', undefined, ['author.nope'])])}`);
    expect((await unknown.json<Row>()).type).toBe('general_query_invalid');
  });

  it('leaves out a related row the reader may not read (Appwrite PR #10590)', async () => {
    const select = qs([q('select', undefined, ['*', 'author.*']), q('orderAsc', '$sequence')]);
    const asStranger = await ok<{ rows: Row[] }>(await stranger.req(`${rows('posts')}?${select}`));
    expect(asStranger.rows.map((r) => [r.$id, (r.author as Row | null)?.$id ?? null])).toEqual([['p1', null], ['p2', 'cy'], ['p3', null]]);
    expect(JSON.stringify(asStranger)).not.toContain('Ann');
    const asReader = await ok<{ rows: Row[] }>(await reader.req(`${rows('posts')}?${select}`));
    expect((asReader.rows[0].author as Row).name).toBe('Ann');
    const linkStranger = await stranger.req(rows('posts'), { method: 'POST', json: { rowId: 'p9', data: { name: 'x', author: 'ann' } } });
    expect((await linkStranger.json<Row>()).type).toBe('relationship_value_invalid');
    expect((await get(`${rows('posts')}/p9`)).status).toBe(404);
  });

  it('events carry the row without related rows, so nothing related leaks to realtime', async () => {
    await ok(await reader.req(`${rows('posts')}/p1`, { method: 'PATCH', json: { data: { name: 'First!' } } }));
    for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const event = seen.find((e) => e.events.includes(`databases.${db}.tables.posts.rows.p1.update`))!;
    expect(event.payload).toMatchObject({ $id: 'p1', name: 'First!' });
    expect(JSON.stringify(event.payload)).not.toContain('Ann');
  });

  it('queries relationship columns by related id', async () => {
    const ids = async (queries: string[]) => (await ok<{ rows: Row[] }>(await get(`${rows('posts')}?${qs([...queries, q('orderAsc', '$sequence')])}`))).rows.map((r) => r.$id);
    expect(await ids([q('equal', 'author', ['ann'])])).toEqual(['p1']);
    expect(await ids([q('equal', 'author', ['ann', 'cy'])])).toEqual(['p1', 'p2']);
    expect(await ids([q('isNull', 'author')])).toEqual(['p3']);
    expect(await ids([q('isNotNull', 'author')])).toEqual(['p1', 'p2']);
    expect(await ids([q('notEqual', 'author', ['ann'])])).toEqual(['p2']);
    expect(await ids([q('contains', 'tags', ['tech'])])).toEqual(['p1', 'p2']);
    expect(await ids([q('or', undefined, [JSON.parse(q('isNull', 'author')), JSON.parse(q('equal', 'author', ['cy']))])])).toEqual(['p2', 'p3']);
    const bad = await get(`${rows('posts')}?${qs([q('greaterThan', 'author', ['a'])])}`);
    expect((await bad.json<Row>()).type).toBe('general_query_invalid');
    const order = await get(`${rows('posts')}?${qs([q('orderAsc', 'author')])}`);
    expect(order.status).toBe(400);
  });

  it('updates links: replace, unlink with null, move a post to another author', async () => {
    await ok(await patch(`${rows('posts')}/p3`, { data: { author: 'bob', tags: ['news'] } }));
    expect(await ok<Row>(await get(`${rows('posts')}/p3?${qs([q('select', undefined, ['author.$id', 'tags.$id'])])}`))).toMatchObject({ author: { $id: 'bob' }, tags: [{ $id: 'news' }] });
    await ok(await patch(`${rows('authors')}/bob`, { data: { posts: [] } }));
    expect((await ok<Row>(await get(`${rows('posts')}/p3?${qs([q('select', undefined, ['author'])])}`))).author).toBeNull();
    await ok(await patch(`${rows('authors')}/bob`, { data: { posts: ['p3'] } }));
    await ok(await patch(`${rows('posts')}/p3`, { data: { author: null } }));
    const wrongShape = await patch(`${rows('posts')}/p3`, { data: { author: ['bob'] } });
    expect((await wrongShape.json<Row>()).type).toBe('relationship_value_invalid');
  });

  it('bulk writes refuse rows that name a relationship column (bulk.test.ts has the rest)', async () => {
    const res = await post(rows('posts'), { rows: [{ $id: 'b1', name: 'b', author: 'bob' }] });
    expect(res.status).toBe(400);
    expect((await get(`${rows('posts')}/b1`)).status).toBe(404);
  });
});

describe('onDelete', () => {
  async function seed() {
    await ok(await post(rows('authors'), { rowId: 'ann', data: { name: 'Ann', posts: [{ $id: 'p1', name: 'One', tags: [{ $id: 't1' }] }, { $id: 'p2', name: 'Two' }] } }), 201);
  }
  const count = async (t: string) => (await sql<{ n: number }>(`SELECT COUNT(*) AS n FROM "t_${await tableSeq(db, t)}"`))[0].n;

  it('restrict refuses the delete with Appwrite’s error, and nothing is deleted', async () => {
    await blog('restrict');
    await seed();
    const res = await del(`${rows('authors')}/ann`);
    expect(res.status).toBe(403);
    expect((await res.json<Row>()).type).toBe('row_delete_restricted');
    expect([await count('authors'), await count('posts'), await count('tags')]).toEqual([1, 2, 1]);
    // The many side can go; its links go with it, and then so can the author.
    await ok(await del(`${rows('posts')}/p1`), 204);
    await ok(await del(`${rows('posts')}/p2`), 204);
    await ok(await del(`${rows('authors')}/ann`), 204);
  });

  it('cascade deletes the children (and their links) in the same batch', async () => {
    await blog('cascade');
    await seed();
    await ok(await del(`${rows('authors')}/ann`), 204);
    expect([await count('authors'), await count('posts'), await count('tags')]).toEqual([0, 0, 1]);
    const links = await sql<{ n: number }>(`SELECT (SELECT COUNT(*) FROM r_${(await sql<{ seq: number }>(`SELECT seq FROM relationships WHERE parent_key = 'tags' AND database_id = ?`, db))[0].seq}) AS n`);
    expect(links[0].n).toBe(0);
  });

  it('setNull clears the links and keeps the children', async () => {
    await blog('setNull');
    await seed();
    await ok(await del(`${rows('authors')}/ann`), 204);
    expect(await count('posts')).toBe(2);
    const p = await ok<Row>(await get(`${rows('posts')}/p1?${qs([q('select', undefined, ['*', 'author.*', 'tags.*'])])}`));
    expect(p.author).toBeNull();
    expect(p.tags).toMatchObject([{ $id: 't1' }]);
  });

  it('dropping a related table drops the relationship and its twin column', async () => {
    await blog();
    await ok(await del(T('authors')), 204);
    expect((await get(`${T('posts')}/columns/author`)).status).toBe(404);
    expect(await sql('SELECT 1 FROM relationships WHERE database_id = ? AND parent_key = ?', db, 'author')).toEqual([]);
    await ok(await post(rows('posts'), { rowId: 'x', data: { name: 'still works' } }), 201);
    expect(rootKey()).toBeTruthy();
  });
});
