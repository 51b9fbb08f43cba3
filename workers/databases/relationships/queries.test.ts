/**
 * Filters on related rows' columns through the list routes (`Query.equal('author.name', …)`, as
 * Appwrite 1.7+ takes them): the related table's permissions hold inside the filter, so a caller
 * learns nothing about related rows it may not read — not from the rows, not from `total`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, signedInUser } from '../../../test/helpers';
import { get, newDb, ok, post, put } from '../testing/schema-api';

type Row = Record<string, unknown>;
type Page = { total: number; rows: Row[] };
const q = (method: string, attribute?: string, values?: unknown[]) => JSON.stringify({ method, ...(attribute ? { attribute } : {}), ...(values ? { values } : {}) });
const qs = (queries: string[]) => queries.map((x) => `queries[]=${encodeURIComponent(x)}`).join('&');

let db = '';
const T = (t: string) => `/v1/tablesdb/${db}/tables/${t}`;
const rows = (t: string) => `${T(t)}/rows`;
let reader: Awaited<ReturnType<typeof signedInUser>>;
let stranger: Awaited<ReturnType<typeof signedInUser>>;

/** As `who` (a signed-in user, a guest, or the API key): the ids and total of a list of posts. */
async function list(who: 'key' | 'guest' | typeof reader, queries: string[], table = 'posts') {
  const path = `${rows(table)}?${qs([...queries, q('orderAsc', '$sequence')])}`;
  const res = who === 'key' ? await get(path) : who === 'guest' ? await call(path) : await who.req(path);
  const page = await ok<Page>(res, 200);
  return { ids: page.rows.map((r) => r.$id), total: page.total };
}

beforeAll(async () => {
  db = await newDb();
  const column = (t: string, key: string) => post(`${T(t)}/columns/string`, { key, size: 64, required: false });
  // Authors are read by row; posts and tags by anyone.
  await ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: 'authors', name: 'authors', rowSecurity: true, permissions: [] }), 201);
  await ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: 'posts', name: 'posts', permissions: ['read("any")'] }), 201);
  await ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: 'tags', name: 'tags', permissions: ['read("any")'] }), 201);
  await ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: 'vault', name: 'vault', permissions: [] }), 201);
  for (const [t, k] of [['authors', 'name'], ['posts', 'title'], ['tags', 'label'], ['vault', 'secret']]) await ok(await column(t, k), 202);
  await ok(await post(`${T('posts')}/columns/relationship`, { relatedTableId: 'authors', type: 'manyToOne', twoWay: true, key: 'author', twoWayKey: 'posts' }), 202);
  await ok(await post(`${T('posts')}/columns/relationship`, { relatedTableId: 'tags', type: 'manyToMany', key: 'tags' }), 202);
  await ok(await post(`${T('posts')}/columns/relationship`, { relatedTableId: 'vault', type: 'manyToOne', key: 'vault' }), 202);
  reader = await signedInUser();
  stranger = await signedInUser();
  await ok(await post(rows('authors'), { rowId: 'ann', data: { name: 'Ann' }, permissions: [`read("user:${reader.user.id}")`] }), 201);
  await ok(await post(rows('authors'), { rowId: 'bob', data: { name: 'Bob' }, permissions: ['read("any")'] }), 201);
  await ok(await post(rows('vault'), { rowId: 'v1', data: { secret: 'hunter2' } }), 201);
  await ok(await post(rows('posts'), { rowId: 'p1', data: { title: 'By Ann', author: 'ann', tags: [{ $id: 'news', label: 'news' }, { $id: 'tech', label: 'tech' }], vault: 'v1' } }), 201);
  await ok(await post(rows('posts'), { rowId: 'p2', data: { title: 'By Bob', author: 'bob', tags: ['tech'] } }), 201);
  await ok(await post(rows('posts'), { rowId: 'p3', data: { title: 'Nobody’s' } }), 201);
});

describe('filters on related columns', () => {
  it('equal, startsWith, notEqual, isNotNull and search-free scalars on the related row', async () => {
    expect(await list(reader, [q('equal', 'author.name', ['Bob'])])).toEqual({ ids: ['p2'], total: 1 });
    expect(await list(reader, [q('equal', 'author.name', ['Ann', 'Bob'])])).toEqual({ ids: ['p1', 'p2'], total: 2 });
    expect((await list(reader, [q('startsWith', 'author.name', ['A'])])).ids).toEqual(['p1']);
    expect((await list(reader, [q('notEqual', 'author.name', ['Bob'])])).ids).toEqual(['p1']);
    expect((await list(reader, [q('isNotNull', 'author.name')])).ids).toEqual(['p1', 'p2']);
    expect((await list(reader, [q('equal', 'author.$id', ['ann'])])).ids).toEqual(['p1']);
    expect((await list(reader, [q('equal', 'tags.label', ['tech'])])).ids).toEqual(['p1', 'p2']);
    expect((await list(reader, [q('containsAll', 'tags.label', ['news', 'tech'])])).ids).toEqual(['p1']);
    expect((await list(reader, [q('or', undefined, [JSON.parse(q('equal', 'tags.label', ['news'])), JSON.parse(q('equal', 'author.name', ['Bob']))])])).ids).toEqual(['p1', 'p2']);
    expect((await list('key', [q('equal', 'vault.secret', ['hunter2'])])).ids).toEqual(['p1']);
  });

  it('stays within D1’s 100 bound parameters however many related filters a signed-in caller sends', async () => {
    // 90 values (over the compiler's 80-parameter budget: packed into one JSON parameter, the
    // caller's read condition on authors included), in three `or` groups.
    const names = Array.from({ length: 90 }, (_, i) => JSON.parse(q('equal', 'author.name', [i === 89 ? 'Ann' : `nobody${i}`])));
    const news = JSON.parse(q('equal', 'tags.label', ['news']));
    const zzz = JSON.parse(q('equal', 'tags.label', ['zzz']));
    const groups = (last: unknown) => [q('or', undefined, names.slice(0, 30).concat(last)), q('or', undefined, names.slice(30, 60)), q('or', undefined, names.slice(60))];
    expect(await list(reader, [...groups(zzz), q('equal', 'author.name', ['Bob'])])).toEqual({ ids: [], total: 0 });
    const hit = [...groups(news).slice(0, 1), q('or', undefined, names.slice(60))];
    expect(await list(reader, hit)).toEqual({ ids: ['p1'], total: 1 });
    expect(await list(stranger, hit)).toEqual({ ids: [], total: 0 });
  });

  it('two levels deep, from the other side of a two-way relationship', async () => {
    expect((await list(reader, [q('equal', 'posts.tags.label', ['news'])], 'authors')).ids).toEqual(['ann']);
    expect((await list(reader, [q('equal', 'posts.title', ['By Bob'])], 'authors')).ids).toEqual(['bob']);
  });

  it('a stranger learns nothing about related rows it may not read', async () => {
    for (const who of [stranger, 'guest'] as const) {
      expect(await list(who, [q('equal', 'author.name', ['Ann'])])).toEqual({ ids: [], total: 0 });
      expect(await list(who, [q('startsWith', 'author.name', ['A'])])).toEqual({ ids: [], total: 0 });
      expect(await list(who, [q('equal', 'author.$id', ['ann'])])).toEqual({ ids: [], total: 0 });
      // Unreadable authors count as absent: only Bob's post has an author the stranger can see.
      expect((await list(who, [q('isNotNull', 'author.name')])).ids).toEqual(['p2']);
      expect((await list(who, [q('notEqual', 'author.name', ['Zed'])])).ids).toEqual(['p2']);
      // A related table the caller may not read at all is not an error: nothing matches.
      expect(await list(who, [q('equal', 'vault.secret', ['hunter2'])])).toEqual({ ids: [], total: 0 });
      expect(await list(who, [q('notEqual', 'vault.secret', ['x'])])).toEqual({ ids: [], total: 0 });
      expect((await list(who, [q('equal', 'posts.title', ['By Ann'])], 'authors')).ids).toEqual([]);
      expect((await list(who, [q('equal', 'posts.title', ['By Bob'])], 'authors')).ids).toEqual(['bob']);
    }
    expect(await list(reader, [q('equal', 'author.name', ['Ann'])])).toEqual({ ids: ['p1'], total: 1 });
  });

  it('a disabled related table matches nothing for callers other than API keys', async () => {
    await ok(await put(T('tags'), { name: 'tags', enabled: false, permissions: ['read("any")'] }));
    expect((await list(reader, [q('equal', 'tags.label', ['tech'])])).ids).toEqual([]);
    expect((await list('key', [q('equal', 'tags.label', ['tech'])])).ids).toEqual(['p1', 'p2']);
    await ok(await put(T('tags'), { name: 'tags', enabled: true, permissions: ['read("any")'] }));
  });

  it('refuses what Appwrite refuses, with general_query_invalid', async () => {
    for (const bad of [
      q('equal', 'author.nope', ['x']),
      q('equal', 'title.name', ['x']),
      q('orderAsc', 'author.name'),
      q('equal', 'tags.label', ['a']) + '\u0000' + q('equal', 'tags.label', ['b']),
      q('equal', 'author.posts.author.posts.title', ['x']),
    ]) {
      const res = await reader.req(`${rows('posts')}?${qs(bad.split('\u0000'))}`);
      expect(res.status, bad).toBe(400);
      expect((await res.json<Row>()).type).toBe('general_query_invalid');
    }
  });
});
