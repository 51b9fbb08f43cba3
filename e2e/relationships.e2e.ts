/**
 * Relationships end to end on a blog: node-appwrite (root key) builds authors ↔ posts (manyToOne,
 * two-way) and posts ↔ tags (manyToMany, two-way); signed-in users of the web SDK write nested rows
 * and read them back with opt-in `select`s, where a post whose author the reader may not read
 * comes back without it; queries by related id and by a related row's column (`author.name`,
 * where an author the reader may not read matches nothing); each onDelete rule through the server
 * SDK, and the delete events of a cascade heard by a realtime subscriber.
 */
import { Channel, ID, Permission, Query, Realtime, Role, TablesDB } from 'appwrite';
import { RelationMutate, RelationshipType, TablesDB as ServerTablesDB } from 'node-appwrite';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ledge, refusal, serverClient } from './support/ledge';
import { signedInWebUser } from './support/signed-in';
import { installRealtimeGlobals } from './support/realtime';

installRealtimeGlobals();

type Row = Record<string, unknown> & { $id: string };

async function signedInUser() {
  const user = await signedInWebUser('rel', 'Writer');
  return { ...user, tablesDB: new TablesDB(user.client), realtime: new Realtime(user.client) };
}

type User = Awaited<ReturnType<typeof signedInUser>>;

let databaseId: string;
let admin: ServerTablesDB;
let alice: User;
let bob: User;

const ids = (rows: Row[]) => rows.map((r) => r.$id).sort();

beforeAll(async () => {
  admin = new ServerTablesDB(serverClient());
  databaseId = (await admin.create({ databaseId: ID.unique(), name: 'Blog' })).$id;
  const writers = [Permission.create(Role.users()), Permission.update(Role.users())];
  // Authors are read per row (no table-wide read); posts and tags are public.
  await admin.createTable({ databaseId, tableId: 'authors', name: 'Authors', permissions: writers, rowSecurity: true });
  await admin.createTable({ databaseId, tableId: 'posts', name: 'Posts', permissions: [Permission.read(Role.any()), ...writers] });
  await admin.createTable({ databaseId, tableId: 'tags', name: 'Tags', permissions: [Permission.read(Role.any()), ...writers] });
  for (const tableId of ['authors', 'posts', 'tags']) await admin.createStringColumn({ databaseId, tableId, key: 'name', size: 64, required: false });
  const author = await admin.createRelationshipColumn({
    databaseId, tableId: 'posts', relatedTableId: 'authors', type: RelationshipType.ManyToOne, twoWay: true, key: 'author', twoWayKey: 'posts', onDelete: RelationMutate.SetNull,
  });
  expect(author).toMatchObject({ key: 'author', type: 'relationship', relatedTable: 'authors', relationType: 'manyToOne', twoWay: true, twoWayKey: 'posts', side: 'parent' });
  await admin.createRelationshipColumn({
    databaseId, tableId: 'posts', relatedTableId: 'tags', type: RelationshipType.ManyToMany, twoWay: true, key: 'tags', twoWayKey: 'posts', onDelete: RelationMutate.SetNull,
  });
  [alice, bob] = await Promise.all([signedInUser(), signedInUser()]);
});

describe('relationships through the SDKs', () => {
  it('lists relationship columns and updates one through PATCH …/columns/{key}/relationship', async () => {
    const twin = await admin.getColumn({ databaseId, tableId: 'authors', key: 'posts' });
    expect(twin).toMatchObject({ type: 'relationship', relatedTable: 'posts', side: 'child', twoWayKey: 'author' });
    const updated = await admin.updateRelationshipColumn({ databaseId, tableId: 'posts', key: 'author', onDelete: RelationMutate.Restrict });
    expect(updated).toMatchObject({ key: 'author', onDelete: 'restrict' });
    const { columns } = await admin.listColumns({ databaseId, tableId: 'posts' });
    expect(columns.map((c) => c.key).sort()).toEqual(['author', 'name', 'tags']);
  });

  it('nested create, and nested reads that leave out an author the reader may not read', async () => {
    const own = [Permission.read(Role.user(alice.id))];
    await alice.as(() => alice.tablesDB.createRow({
      databaseId, tableId: 'posts', rowId: 'hello',
      data: { name: 'Hello', author: { $id: 'alice-a', name: 'Alice', $permissions: own }, tags: [{ $id: 'intro', name: 'Intro' }, { $id: 'news', name: 'News' }] },
    }));
    await alice.as(() => alice.tablesDB.createRow({ databaseId, tableId: 'authors', rowId: 'open', data: { name: 'Open' }, permissions: [Permission.read(Role.any())] }));
    await alice.as(() => alice.tablesDB.createRow({ databaseId, tableId: 'posts', rowId: 'second', data: { name: 'Second', author: 'open', tags: ['news'] } }));
    await alice.as(() => alice.tablesDB.createRow({ databaseId, tableId: 'posts', rowId: 'draft', data: { name: 'Draft' } }));

    const select = [Query.select(['*', 'author.*', 'tags.name']), Query.orderAsc('$sequence')];
    const mine = await alice.as(() => alice.tablesDB.getRow({ databaseId, tableId: 'posts', rowId: 'hello', queries: [select[0]] })) as unknown as Row;
    expect(mine.author).toMatchObject({ $id: 'alice-a', name: 'Alice', $tableId: 'authors' });
    expect((mine.tags as Row[]).map((t) => t.name).sort()).toEqual(['Intro', 'News']);

    const seen = await bob.as(() => bob.tablesDB.listRows({ databaseId, tableId: 'posts', queries: select })) as unknown as { rows: Row[] };
    expect(seen.rows.map((r) => [r.$id, (r.author as Row | null)?.$id ?? null])).toEqual([['hello', null], ['second', 'open'], ['draft', null]]);
    expect(JSON.stringify(seen)).not.toContain('Alice');
    const plain = await bob.as(() => bob.tablesDB.getRow({ databaseId, tableId: 'posts', rowId: 'hello' })) as unknown as Row;
    expect(plain).not.toHaveProperty('author');

    const back = await alice.as(() => alice.tablesDB.getRow({ databaseId, tableId: 'authors', rowId: 'alice-a', queries: [Query.select(['name', 'posts.name', 'posts.tags.$id'])] })) as unknown as Row;
    expect(back.posts).toMatchObject([{ $id: 'hello', name: 'Hello' }]);
    // Bob may not link a post to an author he cannot read.
    const refused = await refusal(bob.as(() => bob.tablesDB.createRow({ databaseId, tableId: 'posts', rowId: 'sneaky', data: { name: 'x', author: 'alice-a' } as Record<string, unknown> })));
    expect(refused.type).toBe('relationship_value_invalid');
  });

  it('queries by related id: equal("author", id) and isNull("author")', async () => {
    const list = async (queries: string[]) => ids((await bob.as(() => bob.tablesDB.listRows({ databaseId, tableId: 'posts', queries }))).rows as unknown as Row[]);
    expect(await list([Query.equal('author', 'alice-a')])).toEqual(['hello']);
    expect(await list([Query.equal('author', ['alice-a', 'open'])])).toEqual(['hello', 'second']);
    expect(await list([Query.isNull('author')])).toEqual(['draft']);
    expect(await list([Query.isNotNull('author')])).toEqual(['hello', 'second']);
    expect(await list([Query.contains('tags', ['news'])])).toEqual(['hello', 'second']);
  });

  it('queries on a related row’s column: equal("author.name", …), and a stranger learns nothing', async () => {
    const list = async (user: User, queries: string[]) => {
      const page = await user.as(() => user.tablesDB.listRows({ databaseId, tableId: 'posts', queries }));
      return { ids: ids(page.rows as unknown as Row[]), total: page.total };
    };
    expect(await list(alice, [Query.equal('author.name', 'Alice')])).toEqual({ ids: ['hello'], total: 1 });
    expect(await list(alice, [Query.equal('author.name', ['Alice', 'Open'])])).toEqual({ ids: ['hello', 'second'], total: 2 });
    expect((await list(alice, [Query.startsWith('author.name', 'Op'), Query.equal('tags.name', 'News')])).ids).toEqual(['second']);
    // Bob may not read Alice's author row: filtering on its name tells him nothing.
    expect(await list(bob, [Query.equal('author.name', 'Alice')])).toEqual({ ids: [], total: 0 });
    expect(await list(bob, [Query.startsWith('author.name', 'A')])).toEqual({ ids: [], total: 0 });
    expect((await list(bob, [Query.isNotNull('author.name')])).ids).toEqual(['second']);
    const unknown = await refusal(bob.as(() => bob.tablesDB.listRows({ databaseId, tableId: 'posts', queries: [Query.equal('author.nope', 'x')] })));
    expect([unknown.code, unknown.type]).toEqual([400, 'general_query_invalid']);
  });

  it('restrict refuses deleting a referenced author, and nothing is deleted', async () => {
    const before = await admin.listRows({ databaseId, tableId: 'posts', queries: [Query.equal('author', 'open')] });
    const err = await refusal(admin.deleteRow({ databaseId, tableId: 'authors', rowId: 'open' }));
    expect([err.code, err.type]).toEqual([403, 'row_delete_restricted']);
    expect((await admin.getRow({ databaseId, tableId: 'authors', rowId: 'open' })).$id).toBe('open');
    expect((await admin.listRows({ databaseId, tableId: 'posts', queries: [Query.equal('author', 'open')] })).total).toBe(before.total);
  });

  it('setNull clears the links and keeps the posts', async () => {
    await admin.updateRelationshipColumn({ databaseId, tableId: 'posts', key: 'author', onDelete: RelationMutate.SetNull });
    await admin.deleteRow({ databaseId, tableId: 'authors', rowId: 'open' });
    const second = await admin.getRow({ databaseId, tableId: 'posts', rowId: 'second', queries: [Query.select(['*', 'author.*'])] }) as unknown as Row;
    expect(second.author).toBeNull();
    expect(ids((await admin.listRows({ databaseId, tableId: 'posts', queries: [Query.isNull('author')] })).rows as unknown as Row[])).toEqual(['draft', 'second']);
  });

  it('cascade deletes the children, and a realtime subscriber hears one delete event per child', async () => {
    await admin.updateRelationshipColumn({ databaseId, tableId: 'posts', key: 'author', onDelete: RelationMutate.Cascade });
    await admin.createRow({ databaseId, tableId: 'authors', rowId: 'prolific', data: { name: 'P', posts: [{ $id: 'c1', name: 'c1' }, { $id: 'c2', name: 'c2', tags: ['news'] }] } });
    expect(ids((await admin.listRows({ databaseId, tableId: 'posts', queries: [Query.equal('author', 'prolific')] })).rows as unknown as Row[])).toEqual(['c1', 'c2']);
    const heard: { events: string[]; payload: Row }[] = [];
    const sub = await alice.as(() => alice.realtime.subscribe(Channel.tablesdb(databaseId).table('posts').row(), (m) => void heard.push(m as unknown as (typeof heard)[number])));
    // Until the subscription is live: a probe post shows up.
    let n = 0;
    await vi.waitFor(async () => {
      if (n++ % 5 === 0) await admin.upsertRow({ databaseId, tableId: 'posts', rowId: 'probe', data: { name: `probe${n}` } });
      expect(heard.some((m) => m.payload.$id === 'probe')).toBe(true);
    }, { timeout: 15_000, interval: 100 });
    await admin.deleteRow({ databaseId, tableId: 'posts', rowId: 'probe' });
    heard.length = 0;
    await admin.deleteRow({ databaseId, tableId: 'authors', rowId: 'prolific' });
    const children = () => heard.filter((m) => m.payload.$id !== 'probe');
    await vi.waitFor(() => expect(children().map((m) => m.payload.$id).sort()).toEqual(['c1', 'c2']), { timeout: 10_000 });
    for (const m of children()) expect(m.events).toContain(`databases.${databaseId}.tables.posts.rows.${m.payload.$id}.delete`);
    await sub.close();
    const left = await admin.listRows({ databaseId, tableId: 'posts', queries: [Query.equal('$id', ['c1', 'c2'])] });
    expect(left.total).toBe(0);
    // The tag survives (manyToMany links only), without the deleted post.
    const news = await admin.getRow({ databaseId, tableId: 'tags', rowId: 'news', queries: [Query.select(['posts.$id'])] }) as unknown as Row;
    expect(ids(news.posts as Row[])).toEqual(['hello', 'second']);
  });
});
