/**
 * Row reads on a cached table definition: served from the cache without reloading the schema,
 * and after every kind of definition change the very next read sees the change — a stale
 * definition can neither grant nor refuse. Schema changes go through the API (which never touches
 * the cache), so each case is what a read in another isolate would meet.
 */
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { call, errorOf, rootKey, okJson } from '../../test/helpers';
import { uniqueId } from '../lib/ids';

type Json = Record<string, unknown>;
let ipCounter = 1;

const send = (method: string, path: string, body?: unknown, auth: { key?: string; cookie?: string } = { key: rootKey() }) => {
  const headers = new Headers({ 'CF-Connecting-IP': `10.7.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}` });
  if (auth.cookie) headers.set('Cookie', auth.cookie);
  return call(path, { method, headers, key: auth.key ?? null, body: body === undefined ? undefined : JSON.stringify(body) });
};

const ok = okJson;

async function signedIn(): Promise<{ id: string; cookie: string }> {
  const id = uniqueId();
  const email = `${id}@example.com`;
  await ok(await send('POST', '/v1/users', { userId: id, email, password: 'a-good-password' }), 201);
  const res = await send('POST', '/v1/account/sessions/email', { email, password: 'a-good-password' }, {});
  expect(res.status, await res.clone().text()).toBe(201);
  const cookie = res.headers.getSetCookie().map((l) => l.split(';')[0]).find((p) => p.startsWith(`a_session_${env.PROJECT_ID}=`))!;
  return { id, cookie };
}

/** SQL statements prepared on the D1 binding, to tell a cached read from a reload. */
let prepared: string[] = [];
beforeEach(() => {
  prepared = [];
  const original = env.DB.prepare.bind(env.DB);
  vi.spyOn(env.DB, 'prepare').mockImplementation((sql: string) => {
    prepared.push(sql);
    return original(sql);
  });
  // Requests run on a D1 session (middleware/d1-session.ts): its statements are recorded too.
  const session = env.DB.withSession.bind(env.DB);
  vi.spyOn(env.DB, 'withSession').mockImplementation((constraint?: string) => {
    const inner = session(constraint);
    return {
      prepare: (sql: string) => {
        prepared.push(sql);
        return inner.prepare(sql);
      },
      batch: inner.batch.bind(inner),
      getBookmark: inner.getBookmark.bind(inner),
    } as D1DatabaseSession;
  });
});
afterEach(() => vi.restoreAllMocks());
const reloads = () => prepared.filter((s) => s.startsWith('SELECT c.* FROM columns')).length;

interface World {
  db: string;
  base: string;
  user: { id: string; cookie: string };
  /** As the signed-in user. */
  get(rowId?: string): Promise<Response>;
  list(queries?: Json[]): Promise<Response>;
}

/** A table readable by `users`, one `title` column, one row `r1`; the cache warmed by one read. */
async function world(tableExtra: Json = {}): Promise<World> {
  const db = `db${crypto.randomUUID().slice(0, 8)}`;
  await ok(await send('POST', '/v1/tablesdb', { databaseId: db, name: 'Cache' }), 201);
  const base = `/v1/tablesdb/${db}/tables/posts`;
  await ok(await send('POST', `/v1/tablesdb/${db}/tables`, { tableId: 'posts', name: 'Posts', permissions: ['read("users")'], ...tableExtra }), 201);
  await ok(await send('POST', `${base}/columns/string`, { key: 'title', size: 64, required: false }), 202);
  const user = await signedIn();
  await ok(await send('POST', `${base}/rows`, { rowId: 'r1', data: { title: 'hello' }, permissions: [`read("user:${user.id}")`] }), 201);
  const w: World = {
    db, base, user,
    get: (rowId = 'r1') => send('GET', `${base}/rows/${rowId}`, undefined, { cookie: user.cookie }),
    list: (queries = []) =>
      send('GET', `${base}/rows?${queries.map((q, i) => `queries[${i}]=${encodeURIComponent(JSON.stringify(q))}`).join('&')}`, undefined, { cookie: user.cookie }),
  };
  await ok(await w.get());
  prepared = [];
  return w;
}

const updateTable = async (w: World, body: Json) => ok(await send('PUT', w.base, { name: 'Posts', ...body }));

describe('row reads on a cached table definition', () => {
  it('serves get and list from the cache: no schema reload, the right rows', async () => {
    const w = await world();
    expect((await ok(await w.get())).title).toBe('hello');
    const page = await ok<{ total: number; rows: Json[] }>(await w.list([{ method: 'equal', attribute: 'title', values: ['hello'] }]));
    expect(page.total).toBe(1);
    expect(page.rows.map((r) => r.$id)).toEqual(['r1']);
    expect(reloads()).toBe(0);
    expect(prepared.filter((s) => s.includes('t.version')).length).toBe(2);
  });

  it('API keys read through the same cache and see a new column at once', async () => {
    const w = await world();
    await ok(await send('GET', `${w.base}/rows/r1`));
    await ok(await send('POST', `${w.base}/columns/integer`, { key: 'views', required: false, default: 7 }), 202);
    prepared = [];
    const row = await ok(await send('GET', `${w.base}/rows/r1`));
    expect(row.views).toBe(null);
    expect(row).toHaveProperty('views');
    expect(reloads()).toBe(1);
  });

  it('a new column: the next get shows it and the next list can filter on it', async () => {
    const w = await world();
    await ok(await send('POST', `${w.base}/columns/string`, { key: 'tag', size: 16, required: false }), 202);
    // The cached definition cannot compile this query: it must be judged on the new one.
    const page = await ok<{ total: number; rows: Json[] }>(await w.list([{ method: 'isNull', attribute: 'tag' }]));
    expect(page.total).toBe(1);
    expect(page.rows[0]).toHaveProperty('tag', null);
    expect(await ok(await w.get())).toHaveProperty('tag', null);
  });

  it('a deleted column: the next get and list neither fail nor show it', async () => {
    const w = await world();
    await ok(await send('POST', `${w.base}/columns/string`, { key: 'tag', size: 16, required: false }), 202);
    await ok(await w.get());
    await ok(await send('DELETE', `${w.base}/columns/tag`), 204);
    expect(await ok(await w.get())).not.toHaveProperty('tag');
    const page = await ok<{ rows: Json[] }>(await w.list());
    expect(page.rows[0]).not.toHaveProperty('tag');
    const res = await w.list([{ method: 'isNull', attribute: 'tag' }]);
    expect((await errorOf(res)).type).toBe('general_query_invalid');
  });

  it('revoked table permissions refuse the very next get and list; granted again, they allow', async () => {
    const w = await world();
    await ok(await w.list());
    await updateTable(w, { permissions: [] });
    expect((await errorOf(await w.get())).type).toBe('row_not_found');
    const refused = await errorOf(await w.list());
    expect(refused.status).toBe(401);
    expect(refused.type).toBe('user_unauthorized');
    // The cache now holds the refusing definition: a grant must not be refused from it.
    await updateTable(w, { permissions: ['read("users")'] });
    expect((await ok<{ total: number }>(await w.list())).total).toBe(1);
    expect((await ok(await w.get())).$id).toBe('r1');
  });

  it('toggling rowSecurity takes effect on the next read, both ways', async () => {
    const w = await world();
    await updateTable(w, { permissions: [], rowSecurity: true });
    expect((await ok(await w.get())).$id).toBe('r1');
    expect((await ok<{ total: number }>(await w.list())).total).toBe(1);
    await updateTable(w, { permissions: [], rowSecurity: false });
    expect((await errorOf(await w.list())).type).toBe('user_unauthorized');
    expect((await errorOf(await w.get())).type).toBe('row_not_found');
    // Cached now: a definition refusing lists outright; turning rowSecurity on must let the row through.
    await updateTable(w, { permissions: [], rowSecurity: true });
    expect((await ok<{ total: number }>(await w.list())).total).toBe(1);
  });

  it('a disabled table or database is not found for users on the next read, still readable by keys', async () => {
    const w = await world();
    await updateTable(w, { permissions: ['read("users")'], enabled: false });
    expect((await errorOf(await w.get())).type).toBe('table_not_found');
    expect((await errorOf(await w.list())).type).toBe('table_not_found');
    await ok(await send('GET', `${w.base}/rows/r1`));
    await updateTable(w, { permissions: ['read("users")'], enabled: true });
    await ok(await w.get());
    await ok(await send('PUT', `/v1/tablesdb/${w.db}`, { name: 'Cache', enabled: false }));
    expect((await errorOf(await w.get())).type).toBe('database_not_found');
    expect((await errorOf(await w.list())).type).toBe('database_not_found');
    await ok(await send('PUT', `/v1/tablesdb/${w.db}`, { name: 'Cache', enabled: true }));
    await ok(await w.get());
  });

  it('a table deleted and recreated with the same id: the next read sees the new table only', async () => {
    const w = await world();
    await ok(await send('DELETE', w.base), 204);
    expect((await errorOf(await w.get())).type).toBe('table_not_found');
    await ok(await send('POST', `/v1/tablesdb/${w.db}/tables`, { tableId: 'posts', name: 'Posts', permissions: ['read("users")'] }), 201);
    await ok(await send('POST', `${w.base}/columns/integer`, { key: 'score', required: false }), 202);
    await ok(await send('POST', `${w.base}/rows`, { rowId: 'r2', data: { score: 3 } }), 201);
    expect((await errorOf(await w.get())).type).toBe('row_not_found');
    const row = await ok(await w.get('r2'));
    expect(row.score).toBe(3);
    expect(row).not.toHaveProperty('title');
    const page = await ok<{ rows: Json[] }>(await w.list());
    expect(page.rows.map((r) => r.$id)).toEqual(['r2']);
  });

  it('a deleted database: the next get and list are database_not_found', async () => {
    const w = await world();
    await ok(await w.list());
    await ok(await send('DELETE', `/v1/tablesdb/${w.db}`), 204);
    expect((await errorOf(await w.get())).type).toBe('database_not_found');
    expect((await errorOf(await w.list())).type).toBe('database_not_found');
  });

  it('a stranger is refused from a cached definition as from a fresh one', async () => {
    const w = await world({ permissions: ['read("user:nobody")'], rowSecurity: true });
    const stranger = await signedIn();
    for (let i = 0; i < 2; i++) {
      expect((await errorOf(await send('GET', `${w.base}/rows/r1`, undefined, { cookie: stranger.cookie }))).type).toBe('row_not_found');
      const page = await ok<{ total: number }>(await send('GET', `${w.base}/rows`, undefined, { cookie: stranger.cookie }));
      expect(page.total).toBe(0);
    }
  });

  it('every definition change replaces the version token', async () => {
    const w = await world();
    const version = async () => (await env.DB.prepare('SELECT version FROM tables WHERE database_id = ? AND id = ?').bind(w.db, 'posts').first<{ version: string }>())!.version;
    const seen = new Set([await version()]);
    const changes: [string, string, Json?][] = [
      ['PUT', w.base, { name: 'Renamed', permissions: ['read("users")'] }],
      ['POST', `${w.base}/columns/string`, { key: 'tag', size: 16, required: false }],
      ['PATCH', `${w.base}/columns/string/tag`, { required: false, default: 'x', size: 16 }],
      ['POST', `${w.base}/indexes`, { key: 'by_tag', type: 'key', columns: ['tag'] }],
      ['DELETE', `${w.base}/indexes/by_tag`],
      ['DELETE', `${w.base}/columns/tag`],
    ];
    for (const [method, path, body] of changes) {
      const res = await send(method, path, body);
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      const v = await version();
      expect(v).toMatch(/^[0-9a-f]{16}$/);
      expect(seen.has(v)).toBe(false);
      seen.add(v);
    }
  });
});

describe('row writes on a cached table definition', () => {
  /** A table where users may create, update and delete (table level), warmed by one create. */
  async function writable(): Promise<World & { write(method: string, path: string, body?: Json): Promise<Response> }> {
    const w = await world({ permissions: ['read("users")', 'create("users")', 'update("users")', 'delete("users")'] });
    const write = (method: string, path: string, body?: Json) => send(method, `${w.base}${path}`, body, { cookie: w.user.cookie });
    await ok(await write('POST', '/rows', { rowId: 'warm', data: { title: 'w' } }), 201);
    prepared = [];
    return { ...w, write };
  }
  const stored = async (w: World, id: string) => (await send('GET', `${w.base}/rows/${id}`)).status;

  it('creates on the cached definition with the check inside the insert, no schema reload', async () => {
    const w = await writable();
    const row = await ok(await w.write('POST', '/rows', { rowId: 'c1', data: { title: 'new' } }), 201);
    expect(row.title).toBe('new');
    expect(reloads()).toBe(0);
    // The row insert and its permission rows: both conditional on the cached version.
    expect(prepared.filter((s) => s.startsWith(`INSERT INTO "t_`) && s.includes('t.version = ?')).length).toBe(2);
  });

  it('a revoked create permission refuses the very next create, which writes nothing', async () => {
    const w = await writable();
    await updateTable(w, { permissions: ['read("users")'] });
    const res = await w.write('POST', '/rows', { rowId: 'c2', data: { title: 'x' } });
    expect((await errorOf(res)).type).toBe('user_unauthorized');
    expect(await stored(w, 'c2')).toBe(404);
    // Now cached as refusing: a grant must be honoured at once.
    await updateTable(w, { permissions: ['read("users")', 'create("users")'] });
    await ok(await w.write('POST', '/rows', { rowId: 'c3', data: { title: 'x' } }), 201);
  });

  it('a new required column is enforced on the next create; a value for it is accepted', async () => {
    const w = await writable();
    await ok(await send('POST', `${w.base}/columns/integer`, { key: 'rank', required: true }), 202);
    const missing = await w.write('POST', '/rows', { rowId: 'c4', data: { title: 'x' } });
    expect(missing.status).toBe(400);
    expect(await stored(w, 'c4')).toBe(404);
    await ok(await send('POST', `${w.base}/columns/string`, { key: 'tag', size: 8, required: false }), 202);
    const row = await ok(await w.write('POST', '/rows', { rowId: 'c5', data: { title: 'x', rank: 2, tag: 'ok' } }), 201);
    expect(row).toMatchObject({ rank: 2, tag: 'ok' });
  });

  it('a table deleted and recreated: the next create lands in the new table only', async () => {
    const w = await writable();
    await ok(await send('DELETE', w.base), 204);
    await ok(await send('POST', `/v1/tablesdb/${w.db}/tables`, { tableId: 'posts', name: 'Posts', permissions: ['create("users")'] }), 201);
    await ok(await send('POST', `${w.base}/columns/integer`, { key: 'score', required: false }), 202);
    const stale = await w.write('POST', '/rows', { rowId: 'c6', data: { title: 'x' } });
    expect((await errorOf(stale)).type).toBe('row_invalid_structure');
    const row = await ok(await w.write('POST', '/rows', { rowId: 'c7', data: { score: 1 } }), 201);
    expect(row).not.toHaveProperty('title');
  });

  it('a disabled database refuses the next create by a user and writes nothing; a key still writes', async () => {
    const w = await writable();
    await ok(await send('PUT', `/v1/tablesdb/${w.db}`, { name: 'Cache', enabled: false }));
    expect((await errorOf(await w.write('POST', '/rows', { rowId: 'c8', data: { title: 'x' } }))).type).toBe('database_not_found');
    expect(await stored(w, 'c8')).toBe(404);
    await ok(await send('POST', `${w.base}/rows`, { rowId: 'c9', data: { title: 'x' } }), 201);
  });

  it('revoked update and delete permissions refuse the very next update, increment and delete', async () => {
    const w = await writable();
    await ok(await send('POST', `${w.base}/columns/integer`, { key: 'n', required: false }), 202);
    await ok(await w.write('PATCH', '/rows/warm', { data: { title: 'before', n: 1 } }));
    await updateTable(w, { permissions: ['read("users")'] });
    expect((await errorOf(await w.write('PATCH', '/rows/warm', { data: { title: 'after' } }))).type).toBe('user_unauthorized');
    expect((await errorOf(await w.write('PATCH', '/rows/warm/n/increment', { value: 1 }))).type).toBe('user_unauthorized');
    expect((await errorOf(await w.write('PUT', '/rows/warm', { data: { title: 'after' } }))).type).toBe('user_unauthorized');
    expect((await errorOf(await w.write('DELETE', '/rows/warm'))).type).toBe('user_unauthorized');
    expect(await ok(await send('GET', `${w.base}/rows/warm`))).toMatchObject({ title: 'before', n: 1 });
    await updateTable(w, { permissions: ['read("users")', 'update("users")', 'delete("users")'] });
    expect((await ok(await w.write('PATCH', '/rows/warm/n/increment', { value: 2 }))).n).toBe(3);
    await ok(await w.write('DELETE', '/rows/warm'), 204);
  });

  it('a deleted column: the next increment of it is column_not_found', async () => {
    const w = await writable();
    await ok(await send('POST', `${w.base}/columns/integer`, { key: 'n', required: false }), 202);
    await ok(await w.write('PATCH', '/rows/warm/n/increment', { value: 1 }));
    await ok(await send('DELETE', `${w.base}/columns/n`), 204);
    expect((await errorOf(await w.write('PATCH', '/rows/warm/n/increment', { value: 1 }))).type).toBe('column_not_found');
  });
});
