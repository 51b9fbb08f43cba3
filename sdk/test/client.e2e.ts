/**
 * @ledge/client against the built Worker (e2e/global-setup.ts): the core scenarios of the e2e
 * suite — sign up, sign in, typed CRUD with queries (types generated from this live project by
 * ledge-types), a chunked upload with progress, cancelled and resumed, realtime, a function.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ID, Permission, Role, Storage as ServerStorage, TablesDB as ServerTablesDB } from 'node-appwrite';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { generateTypes, readSchema } from '../src/codegen';
import { CHUNK_SIZE, LedgeError, Query, uniqueId, type RealtimeEvent, type UploadProgress } from '../src/index';
import { client, deployFunction, ledge, serverClient, uniqueEmail } from './support/ledge';

const PASSWORD = 'a-good-password-1';
const databaseId = `sdk${Date.now().toString(36)}`;

// What ledge-types writes for this test's database (checked below against the live schema).
interface Posts {
  title: string;
  status: 'draft' | 'published';
  views?: number | null;
  tags?: string[] | null;
}
type Schema = Record<typeof databaseId, { posts: Posts }>;

beforeAll(async () => {
  const admin = new ServerTablesDB(serverClient());
  await admin.create({ databaseId, name: 'SDK e2e' });
  await admin.createTable({
    databaseId, tableId: 'posts', name: 'Posts', rowSecurity: false,
    permissions: [Permission.read(Role.users()), Permission.create(Role.users()), Permission.update(Role.users()), Permission.delete(Role.users())],
  });
  await admin.createStringColumn({ databaseId, tableId: 'posts', key: 'title', size: 100, required: true });
  await admin.createEnumColumn({ databaseId, tableId: 'posts', key: 'status', elements: ['draft', 'published'], required: true });
  await admin.createIntegerColumn({ databaseId, tableId: 'posts', key: 'views', required: false });
  await admin.createStringColumn({ databaseId, tableId: 'posts', key: 'tags', size: 20, required: false, array: true });
});

async function signedUp() {
  const c = client();
  const email = uniqueEmail('sdk');
  const user = await c.account.create({ userId: ID.unique(), email, password: PASSWORD, name: 'SDK user' });
  await c.account.createEmailPasswordSession({ email, password: PASSWORD });
  return { c, user, email };
}

describe('@ledge/client against Ledge', () => {
  it('signs up, signs in (session from the fallback cookie), reads the account, refuses bad credentials with LedgeError, signs out', async () => {
    const c = client();
    const email = uniqueEmail('signup');
    const created = await c.account.create({ userId: ID.unique(), email, password: PASSWORD, name: 'Ada' });
    expect(created).toMatchObject({ email, name: 'Ada' });
    const err = await c.account.createEmailPasswordSession({ email, password: 'wrong-password-1' }).catch((e) => e);
    expect(err).toBeInstanceOf(LedgeError);
    expect(err).toMatchObject({ code: 401, type: 'user_invalid_credentials' });
    const session = await c.account.createEmailPasswordSession({ email, password: PASSWORD });
    expect(session).toMatchObject({ userId: created.$id, current: true });
    expect(c.core.config.session).toBeTruthy();
    expect(await c.account.get()).toMatchObject({ $id: created.$id, email });
    // Another client given the same session value (as an app would restore it) is the same user.
    expect((await client({ session: c.core.config.session }).account.get()).$id).toBe(created.$id);
    await c.account.updatePrefs({ prefs: { theme: 'dark' } });
    expect(await c.account.getPrefs()).toEqual({ theme: 'dark' });
    const { jwt } = await c.account.createJWT();
    expect((await client({ jwt }).account.get()).$id).toBe(created.$id);
    await c.account.deleteSession({ sessionId: 'current' });
    expect(c.core.config.session).toBeUndefined();
    await expect(c.account.get()).rejects.toMatchObject({ code: 401 });
  });

  it('ledge-types reads the live schema and writes the row types the typed client uses', async () => {
    const models = await readSchema(ledge.endpoint, ledge.projectId, ledge.rootKey);
    const text = generateTypes(models.filter((d) => d.$id === databaseId));
    expect(text).toContain('export interface Posts {\n  title: string;\n  status: "draft" | "published";\n  views?: number | null;\n  tags?: string[] | null;\n}');
    expect(text).toContain(`export interface Schema {\n  ${databaseId}: {\n    posts: Posts;\n  };\n}`);
    // The npm script, as a developer runs it.
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'types:tables', '--', '--endpoint', ledge.endpoint, '--project', ledge.projectId, '--key', ledge.rootKey], { cwd: new URL('../..', import.meta.url).pathname });
    // (Other tests' databases may have a `posts` table too: theirs get prefixed names.)
    expect(stdout).toMatch(new RegExp(`  ${databaseId}: \\{\\n    posts: \\w*Posts;`));
    expect(stdout).toContain('  status: "draft" | "published";');
    // A key that may not read the schema is refused.
    await expect(readSchema(ledge.endpoint, ledge.projectId, 'not-a-key')).rejects.toThrow();
  });

  it('typed CRUD with queries, select projections, increments; a stranger is refused', async () => {
    const { c } = await signedUp();
    const tables = c.tables<Schema>();
    const t = { databaseId, tableId: 'posts' } as const;
    await tables.createRow({ ...t, rowId: 'first', data: { title: 'First', status: 'published', views: 10, tags: ['edge', 'news'] } });
    await tables.createRow({ ...t, rowId: 'second', data: { title: 'Second', status: 'draft', views: 3 } });
    await tables.createRow({ ...t, rowId: 'third', data: { title: 'Third', status: 'published', views: 7 } });

    const published = await tables.listRows({ ...t, queries: [Query.equal('status', 'published'), Query.orderDesc('views')] });
    expect(published.total).toBe(2);
    expect(published.rows.map((r) => r.title)).toEqual(['First', 'Third']);
    const popular = await tables.listRows({ ...t, queries: [Query.greaterThan('views', 5), Query.contains('tags', 'edge')] });
    expect(popular.rows.map((r) => r.$id)).toEqual(['first']);
    const either = await tables.listRows({ ...t, queries: [Query.or([Query.equal('title', 'Second'), Query.between('views', 6, 8)]), Query.orderAsc('title'), Query.limit(10)] });
    expect(either.rows.map((r) => r.$id)).toEqual(['second', 'third']);

    const titles = await tables.listRows({ ...t, queries: [Query.select(['title']), Query.orderAsc('$createdAt')] });
    expect(titles.rows[0]).toMatchObject({ $id: 'first', title: 'First' });
    expect(titles.rows[0]).not.toHaveProperty('views');

    const updated = await tables.updateRow({ ...t, rowId: 'second', data: { status: 'published' } });
    expect(updated.status).toBe('published');
    expect((await tables.incrementRowColumn({ ...t, rowId: 'second', column: 'views', value: 2 })).views).toBe(5);
    expect((await tables.upsertRow({ ...t, rowId: 'fourth', data: { title: 'Fourth', status: 'draft' } })).$id).toBe('fourth');
    await tables.deleteRow({ ...t, rowId: 'first' });
    await expect(tables.getRow({ ...t, rowId: 'first' })).rejects.toMatchObject({ code: 404, type: 'row_not_found' });
    expect((await tables.getRow({ ...t, rowId: 'second' })).views).toBe(5);
    await expect(tables.createRow({ ...t, rowId: 'bad', data: { title: 'Bad', status: 'archived' as 'draft' } })).rejects.toMatchObject({ code: 400, type: 'row_invalid_structure' });

    // A guest (no session) may not read users-only rows.
    await expect(client().tables<Schema>().listRows(t)).rejects.toMatchObject({ code: 401 });
  });

  it('uploads a chunked file concurrently with progress; an aborted upload resumes with only the missing chunks', async () => {
    const bucket = await new ServerStorage(serverClient()).createBucket({
      bucketId: ID.unique(), name: 'sdk', permissions: [Permission.create(Role.users()), Permission.read(Role.users())], fileSecurity: false,
    });
    const sent: string[] = [];
    const counting = (async (url: string, init: RequestInit) => {
      const range = (init.headers as Record<string, string>)['content-range'];
      if (init.method === 'POST' && range) sent.push(range);
      return fetch(url, init);
    }) as typeof fetch;
    const { c: signedIn } = await signedUp();
    const c = client({ session: signedIn.core.config.session, fetch: counting });
    const bytes = randomBytes(3 * CHUNK_SIZE + 1234);
    const file = new File([bytes], 'data.bin', { type: 'application/octet-stream' });

    // Cancelled after the first chunk arrives.
    const controller = new AbortController();
    const first: UploadProgress[] = [];
    const fileId = uniqueId();
    const aborted = await c.storage.createFile({
      bucketId: bucket.$id, fileId, file, concurrency: 1, signal: controller.signal,
      onProgress: (p) => (first.push(p), controller.abort()),
    }).catch((e) => e);
    expect(aborted).toBeInstanceOf(LedgeError);
    expect(aborted.type).toBe('aborted');
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ $id: fileId, chunksTotal: 4, chunksUploaded: 1, sizeUploaded: CHUNK_SIZE, done: [0] });
    expect((await c.storage.getFile({ bucketId: bucket.$id, fileId })).chunksUploaded).toBe(1);

    // Resumed in another client (as after a restart) from the chunks the progress reported.
    sent.length = 0;
    const progress: UploadProgress[] = [];
    const resumed = client({ session: signedIn.core.config.session, fetch: counting });
    const done = await resumed.storage.createFile({ bucketId: bucket.$id, fileId, file, done: first[0].done, concurrency: 3, onProgress: (p) => progress.push(p) });
    expect(sent).toHaveLength(3);
    expect(sent.some((r) => r.startsWith('bytes 0-'))).toBe(false);
    expect(progress.map((p) => p.chunksUploaded)).toEqual([2, 3, 4]);
    expect(progress.at(-1)).toMatchObject({ progress: 100, sizeUploaded: bytes.length });
    expect(done).toMatchObject({ $id: fileId, sizeOriginal: bytes.length, chunksTotal: 4, chunksUploaded: 4, name: 'data.bin' });

    const res = await fetch(resumed.storage.getFileDownload({ bucketId: bucket.$id, fileId }), { headers: { 'x-appwrite-session': String(signedIn.core.config.session) } });
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);

    // A small file is one request; a second attempt on the same client resumes by itself.
    const small = await c.storage.createFile({ bucketId: bucket.$id, file: new File(['hello'], 'hello.txt') });
    expect(small).toMatchObject({ sizeOriginal: 5, chunksTotal: 1, chunksUploaded: 1 });
  });

  it('realtime: a subscriber hears matching rows (queries filter on the server), the state goes connecting → open → closed', async () => {
    const { c } = await signedUp();
    const states: string[] = [];
    c.realtime.onState((s) => states.push(s));
    const heard: RealtimeEvent<Posts & { $id: string }>[] = [];
    const channel = `tablesdb.${databaseId}.tables.posts.rows`;
    const sub = await c.realtime.subscribe<Posts & { $id: string }>(channel, (e) => heard.push(e), { queries: [Query.equal('status', 'published')] });
    const tables = c.tables<Schema>();
    const t = { databaseId, tableId: 'posts' } as const;
    await tables.createRow({ ...t, rowId: 'rt-draft', data: { title: 'Draft', status: 'draft' } });
    await tables.createRow({ ...t, rowId: 'rt-live', data: { title: 'Live', status: 'published' } });
    await vi.waitFor(() => expect(heard.map((e) => e.payload.$id)).toContain('rt-live'), { timeout: 10_000 });
    expect(heard.map((e) => e.payload.$id)).not.toContain('rt-draft');
    expect(heard[0].events).toContain(`databases.${databaseId}.tables.posts.rows.rt-live.create`);
    expect(heard[0].subscriptions).toEqual([sub.id]);
    sub.unsubscribe();
    expect(states).toEqual(['connecting', 'open', 'closed']);
  });

  // Runs once the server sends X-Ledge-Bookmark (D1 read replicas); until then it reports itself skipped
  // and test/client.test.ts proves the carrying against a stub.
  it('carries the server\'s X-Ledge-Bookmark from each response to the next request (read-your-writes)', async (ctx) => {
    const trail: { sent?: string; got?: string }[] = [];
    const recording = (async (url: string, init: RequestInit) => {
      const res = await fetch(url, init);
      trail.push({ sent: (init.headers as Record<string, string>)['x-ledge-bookmark'], got: res.headers.get('x-ledge-bookmark') ?? undefined });
      return res;
    }) as typeof fetch;
    const { c: signedIn } = await signedUp();
    const c = client({ session: signedIn.core.config.session, fetch: recording });
    const tables = c.tables<Schema>();
    const t = { databaseId, tableId: 'posts' } as const;
    await tables.createRow({ ...t, rowId: 'bm', data: { title: 'Bookmarked', status: 'draft' } });
    expect((await tables.getRow({ ...t, rowId: 'bm' })).title).toBe('Bookmarked');
    await tables.updateRow({ ...t, rowId: 'bm', data: { views: 1 } });
    expect((await tables.listRows({ ...t, queries: [Query.equal('$id', 'bm')] })).rows[0].views).toBe(1);
    if (!trail.some((x) => x.got)) return ctx.skip();
    let latest: string | undefined;
    for (const step of trail) {
      expect(step.sent).toBe(latest);
      latest = step.got ?? latest;
    }
  });

  it('executes a function as the signed-in user', async () => {
    const fn = await deployFunction(`export default async ({ req, res }) => res.json({ user: req.headers['x-appwrite-user-id'], body: req.bodyText, path: req.path });`);
    const { c, user } = await signedUp();
    const execution = await c.functions.createExecution({ functionId: fn.$id, body: 'ping', path: '/hello', method: 'POST' });
    expect(execution).toMatchObject({ status: 'completed', responseStatusCode: 200 });
    expect(JSON.parse(execution.responseBody)).toEqual({ user: user.$id, body: 'ping', path: '/hello' });
    expect((await c.functions.getExecution({ functionId: fn.$id, executionId: execution.$id })).status).toBe('completed');
    await expect(client().functions.createExecution({ functionId: fn.$id })).rejects.toMatchObject({ code: 401 });
  });
});
