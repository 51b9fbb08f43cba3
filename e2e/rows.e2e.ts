/**
 * Rows end to end: node-appwrite (root key) builds the schema, seeds rows and users; a signed-in
 * user of the web SDK then runs CRUD and every query operator through both TablesDB and the
 * legacy Databases API. List results are held to the query oracle over exactly the rows that
 * user may read (some seeded rows are unreadable to them), and a fast-check property sends random
 * query lists through the endpoint (the compiler-level property test runs 10,000+ on its own).
 */
import { AppwriteException, Databases, ID, Permission, Query, Role, TablesDB, type Models } from 'appwrite';
import fc from 'fast-check';
import { TablesDB as ServerTablesDB, TablesDBIndexType } from 'node-appwrite';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseQueries } from '../workers/lib/query';
import { queryTargetFor } from '../workers/databases/query-target';
import { queryCaseArb, rowsArb } from '../workers/lib/query/testing/arbitraries';
import { QUERY_TEST_TABLE as TEST_TABLE } from '../workers/databases/testing/query-table';
import { runOracle, type OracleRow } from '../workers/lib/query/testing/oracle';
import { ledge, refusal, serverClient } from './support/ledge';
import { signedInWebUser } from './support/signed-in';

/** The columns of the `posts` table (and its legacy twin) these tests write. */
type Post = { text: string; likes: number; tags: string[] };

const target = queryTargetFor(TEST_TABLE);

async function signedInUser() {
  const user = await signedInWebUser('rows', 'Rower');
  return { ...user, tablesDB: new TablesDB(user.client), databases: new Databases(user.client) };
}

type User = Awaited<ReturnType<typeof signedInUser>>;

let databaseId: string;
let alice: User;
let bob: User;

beforeAll(async () => {
  const admin = new ServerTablesDB(serverClient());
  databaseId = (await admin.create({ databaseId: ID.unique(), name: 'Rows e2e' })).$id;
  // `notes`: users create rows and own them (rowSecurity). `things`: TEST_TABLE's columns, for queries.
  const notes = { databaseId, tableId: 'notes' };
  await admin.createTable({ ...notes, name: 'Notes', permissions: [Permission.create(Role.users())], rowSecurity: true });
  await admin.createStringColumn({ ...notes, key: 'text', size: 100, required: true });
  await admin.createIntegerColumn({ ...notes, key: 'likes', required: false, min: 0, max: 1000, xdefault: 0 });
  await admin.createBigIntColumn({ ...notes, key: 'big', required: false });
  await admin.createStringColumn({ ...notes, key: 'tags', size: 10, required: false, array: true });
  const things = { databaseId, tableId: 'things' };
  await admin.createTable({ ...things, name: 'Things', permissions: [], rowSecurity: true });
  for (const col of TEST_TABLE.columns) {
    const base = { ...things, key: col.key, required: false, array: col.array };
    if (col.type === 'string') await admin.createStringColumn({ ...base, size: col.size ?? 256 });
    else if (col.type === 'bigint') await admin.createBigIntColumn(base);
    else if (col.type === 'integer') await admin.createIntegerColumn(base);
    else if (col.type === 'float') await admin.createFloatColumn(base);
    else if (col.type === 'boolean') await admin.createBooleanColumn(base);
    else if (col.type === 'datetime') await admin.createDatetimeColumn(base);
  }
  await admin.createIndex({ ...things, key: 'title_search', type: TablesDBIndexType.Fulltext, columns: ['title'] });
  [alice, bob] = await Promise.all([signedInUser(), signedInUser()]);
});

describe('CRUD through the web SDK', () => {
  it('TablesDB: create → get → list → update → upsert → increment/decrement → delete, with a stranger kept out', async () => {
    const t = { databaseId, tableId: 'notes' };
    const created = await alice.as(() => alice.tablesDB.createRow({ ...t, rowId: ID.unique(), data: { text: 'hello', big: 9223372036854775807n, tags: ['a', 'b'] } }));
    expect(created).toMatchObject({ $tableId: 'notes', $databaseId: databaseId, text: 'hello', likes: 0, big: 9223372036854775807n, tags: ['a', 'b'] });
    expect(typeof created.$sequence).toBe('string');
    expect(created.$permissions).toEqual([`read("user:${alice.id}")`, `update("user:${alice.id}")`, `delete("user:${alice.id}")`]);
    const r = { ...t, rowId: created.$id };

    expect(await alice.as(() => alice.tablesDB.getRow(r))).toEqual(created);
    const picked = await alice.as(() => alice.tablesDB.getRow({ ...r, queries: [Query.select(['text'])] }));
    expect(picked).toMatchObject({ text: 'hello' });
    expect(picked).not.toHaveProperty('likes');

    const mine = await alice.as(() => alice.tablesDB.listRows(t));
    expect(mine.rows.map((x) => x.$id)).toContain(created.$id);
    const theirs = await bob.as(() => bob.tablesDB.listRows(t));
    expect(theirs.rows.map((x) => x.$id)).not.toContain(created.$id);
    expect((await refusal(bob.as(() => bob.tablesDB.getRow(r)))).type).toBe('row_not_found');
    expect((await refusal(bob.as(() => bob.tablesDB.updateRow<Models.Row & Post>({ ...r, data: { text: 'mine now' } })))).type).toBe('user_unauthorized');
    expect((await refusal(bob.as(() => bob.tablesDB.deleteRow(r)))).type).toBe('user_unauthorized');
    expect((await refusal(bob.as(() => bob.tablesDB.createRow<Models.Row & Post>({ ...t, rowId: ID.unique(), data: { text: 'x' } as Post, permissions: [Permission.read(Role.user(alice.id))] })))).type)
      .toBe('user_unauthorized');

    expect(await alice.as(() => alice.tablesDB.updateRow({ ...r, data: { text: 'edited' } }))).toMatchObject({ text: 'edited', tags: ['a', 'b'] });
    expect((await refusal(alice.as(() => alice.tablesDB.updateRow<Models.Row & Post>({ ...r, data: { likes: 'many' as unknown as number } })))).type).toBe('row_invalid_structure');
    const upserted = await alice.as(() => alice.tablesDB.upsertRow({ ...t, rowId: 'alice-upsert', data: { text: 'up' } }));
    expect(upserted).toMatchObject({ $id: 'alice-upsert', text: 'up', likes: 0 });
    expect(await alice.as(() => alice.tablesDB.upsertRow({ ...t, rowId: 'alice-upsert', data: { likes: 2 } }))).toMatchObject({ text: 'up', likes: 2 });

    expect(await alice.as(() => alice.tablesDB.incrementRowColumn({ ...r, column: 'likes', value: 5, max: 5 }))).toMatchObject({ likes: 5 });
    const over = await refusal(alice.as(() => alice.tablesDB.incrementRowColumn({ ...r, column: 'likes', value: 1, max: 5 })));
    expect([over.code, over.type]).toEqual([400, 'column_limit_exceeded']);
    expect(await alice.as(() => alice.tablesDB.decrementRowColumn({ ...r, column: 'likes', value: 5, min: 0 }))).toMatchObject({ likes: 0 });
    expect((await refusal(alice.as(() => alice.tablesDB.decrementRowColumn({ ...r, column: 'likes', value: 1, min: 0 })))).type).toBe('column_limit_exceeded');

    await alice.as(() => alice.tablesDB.deleteRow(r));
    expect((await refusal(alice.as(() => alice.tablesDB.getRow(r)))).type).toBe('row_not_found');
  });

  it('legacy Databases: the same rows as documents, with document_* and attribute_* errors', async () => {
    const c = { databaseId, collectionId: 'notes' };
    const doc = await alice.as(() => alice.databases.createDocument({ ...c, documentId: ID.unique(), data: { text: 'doc' } }));
    expect(doc).toMatchObject({ $collectionId: 'notes', $databaseId: databaseId, text: 'doc' });
    const d = { ...c, documentId: doc.$id };
    expect(await alice.as(() => alice.databases.getDocument(d))).toEqual(doc);
    const list = await alice.as(() => alice.databases.listDocuments({ ...c, queries: [Query.equal('$id', doc.$id)] }));
    expect(list).toMatchObject({ total: 1, documents: [{ $id: doc.$id }] });
    expect(await alice.as(() => alice.databases.updateDocument({ ...d, data: { text: 'doc2' } }))).toMatchObject({ text: 'doc2' });
    expect(await alice.as(() => alice.databases.upsertDocument({ ...d, data: { likes: 3 } }))).toMatchObject({ text: 'doc2', likes: 3 });
    expect(await alice.as(() => alice.databases.incrementDocumentAttribute({ ...d, attribute: 'likes', value: 1, max: 4 }))).toMatchObject({ likes: 4 });
    const over = await refusal(alice.as(() => alice.databases.incrementDocumentAttribute({ ...d, attribute: 'likes', value: 1, max: 4 })));
    expect([over.code, over.type]).toEqual([400, 'attribute_limit_exceeded']);
    expect((await refusal(alice.as(() => alice.databases.createDocument<Models.Document & Post>({ ...c, documentId: ID.unique(), data: { text: 'x', nope: 1 } as unknown as Post })))).type).toBe('document_invalid_structure');
    expect((await refusal(bob.as(() => bob.databases.getDocument(d)))).type).toBe('document_not_found');
    await alice.as(() => alice.databases.deleteDocument(d));
    expect((await refusal(alice.as(() => alice.databases.getDocument(d)))).type).toBe('document_not_found');
  });
});

describe('queries through both APIs, held to the oracle', () => {
  let visible: OracleRow[];
  let rows: OracleRow[];

  beforeAll(async () => {
    const [sample] = fc.sample(rowsArb({ minLength: 60, maxLength: 60 }), { numRuns: 1, seed: 20261125 });
    // Appwrite's int64 range is symmetric, so the one value outside it is moved in.
    const clamp = (v: unknown) => (v === -9223372036854775808n ? -9223372036854775807n : v);
    const payload = sample.map((r, i) => {
      const { $sequence: _seq, ...rest } = r;
      void _seq;
      return { ...rest, count: clamp(rest.count), $permissions: i % 5 === 0 ? [] : [Permission.read(Role.users())] };
    });
    const created = await new ServerTablesDB(serverClient()).createRows({ databaseId, tableId: 'things', rows: payload });
    expect(created.total).toBe(sample.length);
    const seqOf = new Map(created.rows.map((row) => [row.$id, Number(row.$sequence)]));
    rows = payload.map((p) => ({ ...p, $sequence: seqOf.get((p as unknown as OracleRow).$id as string) }) as unknown as OracleRow);
    visible = rows.filter((_, i) => i % 5 !== 0);
  });

  type Outcome = { ok: true; ids: string[]; total: number } | { ok: false; type: string; code: number };

  async function viaTables(queries: string[]): Promise<Outcome> {
    try {
      const res = await alice.as(() => alice.tablesDB.listRows({ databaseId, tableId: 'things', queries }));
      return { ok: true, ids: res.rows.map((r) => r.$id), total: res.total };
    } catch (err) {
      const e = err as AppwriteException;
      return { ok: false, type: e.type, code: e.code };
    }
  }

  async function viaDocuments(queries: string[]): Promise<Outcome> {
    try {
      const res = await alice.as(() => alice.databases.listDocuments({ databaseId, collectionId: 'things', queries }));
      return { ok: true, ids: res.documents.map((r) => r.$id), total: res.total };
    } catch (err) {
      const e = err as AppwriteException;
      return { ok: false, type: e.type, code: e.code };
    }
  }

  function expected(queries: string[]): Outcome & { pool?: Set<string> } {
    // The endpoint checks the `queries` param itself first, as Appwrite's ArrayList(Text(4096), 100) does.
    if (queries.length > 100 || queries.some((q) => q.length > 4096)) return { ok: false, type: 'general_argument_invalid', code: 400 };
    let parsed;
    try {
      parsed = parseQueries(queries, target);
    } catch {
      return { ok: false, type: 'general_query_invalid', code: 400 };
    }
    const out = runOracle(parsed, visible);
    if (!out.ok) return { ok: false, type: out.error, code: 400 };
    const ids = out.rows.map((r) => r.$id as string);
    if (!out.random) return { ok: true, ids, total: out.total };
    const all = runOracle({ ...parsed, cursor: null, limit: 5000, offset: 0 }, visible);
    return { ok: true, ids, total: out.total, pool: new Set(all.ok ? all.rows.map((r) => r.$id as string) : []) };
  }

  function agree(got: Outcome, want: Outcome & { pool?: Set<string> }, label: string) {
    if (!want.ok || !got.ok) {
      expect(got, label).toEqual(want.ok ? { ok: true, ids: want.ids, total: want.total } : want);
      return;
    }
    expect(got.total, label).toBe(want.total);
    if (want.pool) {
      // orderRandom: the right number of distinct rows, all from the filtered set.
      expect(got.ids.length, label).toBe(want.ids.length);
      expect(new Set(got.ids).size, label).toBe(got.ids.length);
      expect(got.ids.every((id) => want.pool!.has(id)), label).toBe(true);
    } else {
      expect(got.ids, label).toEqual(want.ids);
    }
  }

  const sample = () => visible.find((r) => typeof r.title === 'string' && (r.title as string).length > 3)!;

  const operatorCases = (): [string, string[]][] => {
    const s = sample();
    const word = String(s.title).split(/\W+/).find((w) => w.length > 2) ?? 'alpha';
    const hidden = rows[0].$id as string;
    const anyVisible = visible[7].$id as string;
    return [
      ['none', []],
      ['equal', [Query.equal('title', [s.title as string])]],
      ['equal many', [Query.equal('count', [0, 1, 2])]],
      ['notEqual', [Query.notEqual('flag', true)]],
      ['lessThan', [Query.lessThan('count', 2)]],
      ['lessThanEqual', [Query.lessThanEqual('score', 2)]],
      ['greaterThan', [Query.greaterThan('score', 0)]],
      ['greaterThanEqual', [Query.greaterThanEqual('count', 9007199254740993n as unknown as number)]],
      ['between', [Query.between('count', -1, 3)]],
      ['notBetween', [Query.notBetween('score', 0, 2)]],
      ['isNull', [Query.isNull('when')]],
      ['isNotNull', [Query.isNotNull('title')]],
      ['startsWith', [Query.startsWith('title', String(s.title).slice(0, 2))]],
      ['endsWith', [Query.endsWith('title', String(s.title).slice(-2))]],
      ['notStartsWith', [Query.notStartsWith('name', 'a')]],
      ['notEndsWith', [Query.notEndsWith('name', 'a')]],
      ['search', [Query.search('title', word)]],
      ['notSearch', [Query.notSearch('title', word)]],
      ['contains text', [Query.contains('name', 'a')]],
      ['contains array', [Query.contains('tags', ['a', 'b'])]],
      ['containsAny', [Query.containsAny('nums', [1, 2])]],
      ['containsAll', [Query.containsAll('tags', ['a'])]],
      ['notContains', [Query.notContains('tags', ['a'])]],
      ['select', [Query.select(['title', '$id'])]],
      ['orderAsc', [Query.orderAsc('score')]],
      ['orderDesc', [Query.orderDesc('count'), Query.orderAsc('$id')]],
      ['orderRandom', [Query.orderRandom(), Query.limit(5)]],
      ['limit/offset', [Query.orderAsc('$id'), Query.limit(7), Query.offset(3)]],
      ['cursorAfter', [Query.orderAsc('$id'), Query.cursorAfter(anyVisible), Query.limit(5)]],
      ['cursorBefore', [Query.orderDesc('$createdAt'), Query.cursorBefore(anyVisible), Query.limit(5)]],
      ['cursor on an unreadable row', [Query.cursorAfter(hidden)]],
      ['or', [Query.or([Query.equal('flag', true), Query.isNull('score')])]],
      ['and', [Query.and([Query.greaterThan('count', -2), Query.lessThan('count', 4)])]],
      ['createdBefore', [Query.createdBefore('2020-06-15T12:30:00.000+00:00')]],
      ['createdAfter', [Query.createdAfter('2020-01-01T00:00:00.000+00:00')]],
      ['createdBetween', [Query.createdBetween('2000-01-01T00:00:00.000+00:00', '2021-01-01T00:00:00.000+00:00')]],
      ['updatedBefore', [Query.updatedBefore('2026-11-25T17:40:00.000+00:00')]],
      ['updatedAfter', [Query.updatedAfter('1999-12-31T23:59:59.999+00:00')]],
      ['updatedBetween', [Query.updatedBetween('2020-01-01T00:00:00.000+00:00', '2020-12-31T00:00:00.000+00:00')]],
      ['$id of an unreadable row', [Query.equal('$id', [hidden])]],
      ['unknown attribute', [Query.equal('nope', ['x'])]],
    ];
  };

  it('every operator on TablesDB and legacy Databases matches the oracle over readable rows', async () => {
    for (const [name, queries] of operatorCases()) {
      const want = expected(queries);
      agree(await viaTables(queries), want, `TablesDB ${name}: ${queries.join(' ')}`);
      agree(await viaDocuments(queries), want, `Databases ${name}: ${queries.join(' ')}`);
    }
  });

  it('a stranger to the hidden rows never counts them', async () => {
    const all = await viaTables([Query.limit(5000)]);
    expect(all).toEqual({ ok: true, ids: expect.any(Array), total: visible.length });
    const viaKey = await new ServerTablesDB(serverClient()).listRows({ databaseId, tableId: 'things', queries: [Query.limit(5000)] });
    expect(viaKey.total).toBe(rows.length);
  });

  it('random query lists through the endpoint agree with the oracle (property)', async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(queryCaseArb(visible), async (c) => {
        const want = expected(c.queries);
        const got = await viaTables(c.queries);
        agree(got, want, `${c.valid ? 'valid' : `invalid (${c.why})`}: ${c.queries.join(' ')}`);
        checked++;
      }),
      { numRuns: 300, seed: Date.now() % 2 ** 31 },
    );
    expect(checked).toBe(300);
  });
});
