/**
 * Realtime end to end with `appwrite@27`'s own `Realtime` client in Node: a signed-in user (cookie
 * session) listens to a table's rows with a query and to `account`; a JWT client and a client that
 * authenticates with the `authentication` frame; the legacy URL mode older SDKs use; presences.
 * Writes go through the web SDK and node-appwrite against the built Worker under Miniflare.
 */
import { Account, Channel, Client, ID, Permission, Query, Realtime, Role, TablesDB, type Models } from 'appwrite';
import { Presences, TablesDB as ServerTablesDB, Users, type Models as ServerModels } from 'node-appwrite';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ledge, serverClient } from './support/ledge';
import { signedInWebUser } from './support/signed-in';
import { installRealtimeGlobals } from './support/realtime';
import { uniqueEmail } from './support/web-client';

type Message = { events: string[]; channels: string[]; timestamp: string; payload: Record<string, unknown>; subscriptions: string[] };
type Row = Models.Row & { status?: string; views?: number };
type RowData = { status?: string; views?: number };

installRealtimeGlobals();

const PASSWORD = 'a-good-password-1';
let databaseId: string;
const tableId = 'posts';

async function signedInUser() {
  const user = await signedInWebUser('rt', 'Listener');
  return { ...user, tablesDB: new TablesDB(user.client), realtime: new Realtime(user.client) };
}

/** Collects the messages a subscription callback receives. */
function inbox() {
  const messages: Message[] = [];
  return { messages, push: (m: unknown) => void messages.push(m as Message) };
}

const rowIds = (box: { messages: Message[] }) => box.messages.map((m) => m.payload.$id);

/**
 * Writes a probe (a row id, or a name for account events) until the subscription sees it: the
 * server has acked the subscribe frame.
 */
async function untilListening(write: (probe: string) => Promise<unknown>, box: { messages: Message[] }, field = '$id') {
  const probe = `probe${ID.unique()}`.slice(0, 30);
  let n = 0;
  await vi.waitFor(async () => {
    if (n++ % 5 === 0) await write(`${probe}${n}`);
    expect(box.messages.some((m) => String(m.payload[field]).startsWith(probe))).toBe(true);
  }, { timeout: 15_000, interval: 100 });
  box.messages.length = 0;
}

beforeAll(async () => {
  const admin = new ServerTablesDB(serverClient());
  databaseId = (await admin.create({ databaseId: ID.unique(), name: 'Realtime e2e' })).$id;
  await admin.createTable({
    databaseId, tableId, name: 'Posts', rowSecurity: false,
    permissions: [Permission.read(Role.users()), Permission.create(Role.users()), Permission.update(Role.users()), Permission.delete(Role.users())],
  });
  await admin.createStringColumn({ databaseId, tableId, key: 'status', size: 20, required: false });
  await admin.createIntegerColumn({ databaseId, tableId, key: 'views', required: false });
});

describe('appwrite@27 Realtime', () => {
  it('delivers create, update and delete of matching rows and the user account events; unsubscribe stops them', async () => {
    const alice = await signedInUser();
    const rows = inbox();
    const account = inbox();
    const channel = Channel.tablesdb(databaseId).table(tableId).row();
    const rowSub = await alice.as(() => alice.realtime.subscribe(channel, rows.push, [Query.equal('status', ['published'])]));
    const accountSub = await alice.as(() => alice.realtime.subscribe(Channel.account(), account.push));
    const create = (rowId: string, data: RowData) => alice.as(() => alice.tablesDB.createRow<Row>({ databaseId, tableId, rowId, data }));
    await untilListening((id) => create(id, { status: 'published' }), rows);

    await create('draft', { status: 'draft', views: 1 });
    await create('news', { status: 'published', views: 2 });
    await vi.waitFor(() => expect(rowIds(rows)).toContain('news'));
    const created = rows.messages.find((m) => m.payload.$id === 'news')!;
    expect(created.events).toEqual(expect.arrayContaining([
      `databases.${databaseId}.tables.${tableId}.rows.news.create`, 'databases.*.tables.*.rows.*.create', 'databases.*.collections.*.documents.*.create',
    ]));
    expect(created.channels).toEqual(expect.arrayContaining([`tablesdb.${databaseId}.tables.${tableId}.rows`, `tablesdb.${databaseId}.tables.${tableId}.rows.news`, 'rows', 'documents']));
    expect(created.payload).toMatchObject({ $id: 'news', $tableId: tableId, $databaseId: databaseId, status: 'published', views: 2 });
    expect(created.subscriptions).toHaveLength(1);

    await alice.as(() => alice.tablesDB.updateRow<Row>({ databaseId, tableId, rowId: 'news', data: { views: 3 } }));
    await vi.waitFor(() => expect(rows.messages.some((m) => m.events[0].endsWith('news.update') && m.payload.views === 3)).toBe(true));
    await alice.as(() => alice.tablesDB.deleteRow({ databaseId, tableId, rowId: 'news' }));
    await vi.waitFor(() => expect(rows.messages.some((m) => m.events[0].endsWith('news.delete'))).toBe(true));
    expect(rowIds(rows)).not.toContain('draft');

    await alice.as(() => alice.account.updateName({ name: 'Alice Realtime' }));
    await vi.waitFor(() => expect(account.messages.some((m) => m.payload.name === 'Alice Realtime')).toBe(true));
    const named = account.messages.find((m) => m.payload.name === 'Alice Realtime')!;
    expect(named.events).toContain(`users.${alice.id}.update.name`);
    expect(named.channels).toEqual(expect.arrayContaining(['account', `account.${alice.id}`]));

    // After unsubscribing, a matching row no longer arrives; the account subscription, on the same
    // socket, still does, and frames keep their order: once it has, the row would have too.
    await rowSub.unsubscribe();
    const before = rows.messages.length;
    await create('later', { status: 'published' });
    await alice.as(() => alice.account.updateName({ name: 'After unsubscribe' }));
    await vi.waitFor(() => expect(account.messages.some((m) => m.payload.name === 'After unsubscribe')).toBe(true));
    expect(rows.messages.length).toBe(before);
    await accountSub.close();
  });

  it('a stranger without read permission hears nothing', async () => {
    const admin = new ServerTablesDB(serverClient());
    const secret = `secret${ID.unique()}`.slice(0, 30);
    await admin.createTable({ databaseId, tableId: secret, name: 'Secret', permissions: [], rowSecurity: true });
    await admin.createStringColumn({ databaseId, tableId: secret, key: 'status', size: 20, required: false });
    const [owner, stranger] = await Promise.all([signedInUser(), signedInUser()]);
    const theirs = inbox();
    const mine = inbox();
    const strangerSub = await stranger.as(() => stranger.realtime.subscribe(['rows'], theirs.push));
    const ownerSub = await owner.as(() => owner.realtime.subscribe(Channel.tablesdb(databaseId).table(secret).row(), mine.push));
    const put = (rowId: string, reader: string) =>
      admin.createRow<ServerModels.Row & { status: string }>({ databaseId, tableId: secret, rowId, data: { status: 'x' }, permissions: [Permission.read(reader)] });
    await untilListening((id) => put(id, Role.user(owner.id)), mine);
    await untilListening((id) => put(id, Role.users()), theirs);
    await put('private', Role.user(owner.id));
    await put('public', Role.users());
    await vi.waitFor(() => expect(rowIds(theirs)).toContain('public'));
    await vi.waitFor(() => expect(rowIds(mine)).toEqual(expect.arrayContaining(['private', 'public'])));
    expect(rowIds(theirs)).not.toContain('private');
    await strangerSub.close();
    await ownerSub.close();
  });

  it('a JWT client listens as its user', async () => {
    const alice = await signedInUser();
    const { jwt } = await alice.as(() => alice.account.createJWT());
    const client = new Client().setEndpoint(ledge.endpoint).setProject(ledge.projectId).setJWT(jwt);
    const box = inbox();
    const sub = await new Realtime(client).subscribe([Channel.account()], box.push);
    await untilListening((name) => new Account(client).updateName({ name }), box, 'name');
    expect(box.messages).toEqual([]);
    await new Account(client).updateName({ name: 'Via JWT' });
    await vi.waitFor(() => expect(box.messages.some((m) => m.payload.name === 'Via JWT' && m.payload.$id === alice.id)).toBe(true));
    await sub.close();
  });

  it('a client holding only the session value authenticates with the `authentication` frame', async () => {
    const email = uniqueEmail('rt-session');
    const user = await new Users(serverClient()).create({ userId: ID.unique(), email, password: PASSWORD });
    // Server-side rendering: a key creates the session; its secret is the cookie value.
    const session = await new Users(serverClient()).createSession({ userId: user.$id });
    const client = new Client().setEndpoint(ledge.endpoint).setProject(ledge.projectId).setSession(session.secret);
    const box = inbox();
    const sub = await new Realtime(client).subscribe(Channel.account(), box.push);
    await untilListening((name) => new Account(client).updateName({ name }), box, 'name');
    await new Account(client).updateName({ name: 'Via frame' });
    await vi.waitFor(() => expect(box.messages.some((m) => m.payload.name === 'Via frame')).toBe(true));
    await sub.close();
  });

  it('serves the legacy URL mode: channels[] at connect and the subscriptions map', async () => {
    const alice = await signedInUser();
    const channel = `tablesdb.${databaseId}.tables.${tableId}.rows`;
    const url = `${ledge.endpoint.replace(/^http/, 'ws')}/realtime?project=${ledge.projectId}&channels[]=${encodeURIComponent(channel)}`;
    const frames: { type: string; data: Record<string, unknown> }[] = [];
    const ws = await alice.as(async () => new WebSocket(url));
    ws.addEventListener('message', (e) => frames.push(JSON.parse(String(e.data))));
    await vi.waitFor(() => expect(frames[0]?.type).toBe('connected'));
    expect(frames[0].data).toMatchObject({ channels: [channel], user: { $id: alice.id } });
    const [subscription] = frames[0].data.subscriptions as string[];
    await alice.as(() => alice.tablesDB.createRow<Row>({ databaseId, tableId, rowId: 'legacy', data: { status: 'old' } as Partial<Row> }));
    await vi.waitFor(() => expect(frames.some((f) => f.type === 'event' && (f.data.payload as { $id: string }).$id === 'legacy')).toBe(true));
    expect(frames.find((f) => f.type === 'event')!.data.subscriptions).toEqual([subscription]);
    ws.close();
  });

  it('keeps a presence while the socket lives (upsertPresence), readable over REST', async () => {
    const alice = await signedInUser();
    const presenceId = ID.unique();
    const box = inbox();
    const sub = await alice.as(() => alice.realtime.subscribe(Channel.presence(presenceId), box.push));
    await alice.as(() => alice.realtime.upsertPresence({ status: 'online', presenceId, metadata: { page: 'home' } }));
    await vi.waitFor(() => expect(box.messages.some((m) => m.events[0] === `presences.${presenceId}.upsert`)).toBe(true));
    const presence = await new Presences(serverClient()).get({ presenceId });
    expect(presence).toMatchObject({ $id: presenceId, userId: alice.id, status: 'online', source: 'realtime', metadata: { page: 'home' } });
    await sub.close();
    await vi.waitFor(async () => expect(await new Presences(serverClient()).list()).toMatchObject({ presences: expect.not.arrayContaining([expect.objectContaining({ $id: presenceId })]) }));
  });
});
