/**
 * Transactions seen through the SDKs: a filtered listRows with transactionId shows staged creates,
 * updates and deletes with the right total (and answers what the same list answers after the
 * commit); an Operator staged by appwrite@27 and committed; a nested create committed in one
 * batch; a rollback discarding all of it; a stranger refused another user's transaction.
 */
import { ID, Operator, Permission, Query, Role, TablesDB } from 'appwrite';
import { RelationMutate, RelationshipType, TablesDB as ServerTablesDB } from 'node-appwrite';
import { beforeAll, describe, expect, it } from 'vitest';
import { ledge, refusal, serverClient } from './support/ledge';
import { signedInWebUser } from './support/signed-in';

async function signedInUser() {
  const user = await signedInWebUser('txr', 'Txr');
  return { ...user, tablesDB: new TablesDB(user.client) };
}
type User = Awaited<ReturnType<typeof signedInUser>>;

const admin = () => new ServerTablesDB(serverClient());
let databaseId = '';
let alice: User;
let bob: User;
const t = (tableId: string) => ({ databaseId, tableId });
const shape = (list: { total: number; rows: Record<string, unknown>[] }) => ({ total: list.total, rows: list.rows.map((r) => [r.$id, r.score, r.team]) });

beforeAll(async () => {
  databaseId = (await admin().create({ databaseId: ID.unique(), name: 'Tx reads e2e' })).$id;
  const open = [Permission.read(Role.users()), Permission.create(Role.users()), Permission.update(Role.users()), Permission.delete(Role.users())];
  await admin().createTable({ ...t('players'), name: 'Players', permissions: open, rowSecurity: false });
  await admin().createIntegerColumn({ ...t('players'), key: 'score', required: false, min: 0, max: 1000 });
  await admin().createStringColumn({ ...t('players'), key: 'team', size: 10, required: false });
  await admin().createTable({ ...t('teams'), name: 'Teams', permissions: open, rowSecurity: false });
  await admin().createStringColumn({ ...t('teams'), key: 'name', size: 20, required: false });
  await admin().createTable({ ...t('members'), name: 'Members', permissions: open, rowSecurity: false });
  await admin().createStringColumn({ ...t('members'), key: 'name', size: 20, required: false });
  await admin().createRelationshipColumn({
    ...t('members'), relatedTableId: 'teams', type: RelationshipType.ManyToOne, twoWay: true, key: 'team', twoWayKey: 'members', onDelete: RelationMutate.Cascade,
  });
  for (const [id, score, team] of [['p1', 10, 'red'], ['p2', 20, 'red'], ['p3', 30, 'blue'], ['p4', 40, 'red']] as const) {
    await admin().createRow({ ...t('players'), rowId: id, data: { score, team } });
  }
  [alice, bob] = await Promise.all([signedInUser(), signedInUser()]);
});

describe('reads with transactionId (appwrite@27)', () => {
  it('a filtered list shows staged creates, updates and deletes with the right total, as after the commit', async () => {
    const tx = await alice.as(() => alice.tablesDB.createTransaction());
    await alice.as(() => alice.tablesDB.createRow({ ...t('players'), rowId: 'p5', data: { score: 25, team: 'red' }, transactionId: tx.$id }));
    await alice.as(() => alice.tablesDB.updateRow({ ...t('players'), rowId: 'p3', data: { team: 'red' }, transactionId: tx.$id }));
    await alice.as(() => alice.tablesDB.updateRow({ ...t('players'), rowId: 'p2', data: { team: 'blue' }, transactionId: tx.$id }));
    await alice.as(() => alice.tablesDB.deleteRow({ ...t('players'), rowId: 'p4', transactionId: tx.$id }));
    const queries = [Query.equal('team', 'red'), Query.orderDesc('score'), Query.limit(2)];
    const through = await alice.as(() => alice.tablesDB.listRows({ ...t('players'), queries, transactionId: tx.$id }));
    expect(shape(through)).toEqual({ total: 3, rows: [['p3', 30, 'red'], ['p5', 25, 'red']] });
    const second = await alice.as(() => alice.tablesDB.listRows({ ...t('players'), queries: [...queries, Query.cursorAfter('p5')], transactionId: tx.$id }));
    expect(shape(second)).toEqual({ total: 3, rows: [['p1', 10, 'red']] });
    // Without the transaction, and for anyone else, nothing has changed yet.
    const outside = await bob.as(() => bob.tablesDB.listRows({ ...t('players'), queries }));
    expect(shape(outside)).toEqual({ total: 3, rows: [['p4', 40, 'red'], ['p2', 20, 'red']] });
    await alice.as(() => alice.tablesDB.updateTransaction({ transactionId: tx.$id, commit: true }));
    expect(shape(await bob.as(() => bob.tablesDB.listRows({ ...t('players'), queries })))).toEqual(shape(through));
  });

  it('a stranger cannot read through another user’s transaction', async () => {
    const tx = await alice.as(() => alice.tablesDB.createTransaction());
    await alice.as(() => alice.tablesDB.createRow({ ...t('players'), rowId: 'secret', data: { score: 1, team: 'x' }, transactionId: tx.$id }));
    const list = await refusal(bob.as(() => bob.tablesDB.listRows({ ...t('players'), queries: [], transactionId: tx.$id })));
    expect(list).toMatchObject({ code: 404, type: 'transaction_not_found' });
    const one = await refusal(bob.as(() => bob.tablesDB.getRow({ ...t('players'), rowId: 'secret', transactionId: tx.$id })));
    expect(one).toMatchObject({ code: 404, type: 'transaction_not_found' });
    expect((await refusal(bob.as(() => bob.tablesDB.getRow({ ...t('players'), rowId: 'secret' })))).code).toBe(404);
    await alice.as(() => alice.tablesDB.updateTransaction({ transactionId: tx.$id, rollback: true }));
  });
});

describe('operators and nested writes in a transaction', () => {
  it('an Operator is staged, seen through the transaction, and committed', async () => {
    await admin().createRow({ ...t('players'), rowId: 'op1', data: { score: 7, team: 'ops' } });
    const tx = await alice.as(() => alice.tablesDB.createTransaction());
    const staged = await alice.as(() => alice.tablesDB.updateRow({ ...t('players'), rowId: 'op1', data: { score: Operator.increment(5, 100) }, transactionId: tx.$id }));
    expect(staged.score).toBe(12);
    const listed = await alice.as(() => alice.tablesDB.listRows({ ...t('players'), queries: [Query.equal('score', 12)], transactionId: tx.$id }));
    expect(listed.rows.map((r) => r.$id)).toEqual(['op1']);
    expect((await admin().getRow({ ...t('players'), rowId: 'op1' })).score).toBe(7);
    await alice.as(() => alice.tablesDB.updateTransaction({ transactionId: tx.$id, commit: true }));
    expect((await admin().getRow({ ...t('players'), rowId: 'op1' })).score).toBe(12);
  });

  it('a nested create is committed in one batch with its related row and link', async () => {
    const tx = await alice.as(() => alice.tablesDB.createTransaction());
    await alice.as(() => alice.tablesDB.createRow({ ...t('members'), rowId: 'm1', data: { name: 'Mia', team: { $id: 'team1', name: 'Owls' } }, transactionId: tx.$id }));
    expect((await refusal(admin().getRow({ ...t('teams'), rowId: 'team1' }))).code).toBe(404);
    await alice.as(() => alice.tablesDB.updateTransaction({ transactionId: tx.$id, commit: true }));
    const member = await admin().getRow({ ...t('members'), rowId: 'm1', queries: [Query.select(['*', 'team.*'])] });
    expect(member).toMatchObject({ name: 'Mia', team: { $id: 'team1', name: 'Owls' } });
  });

  it('a rollback discards staged rows, operators and nested writes alike', async () => {
    await admin().createRow({ ...t('players'), rowId: 'rb', data: { score: 50, team: 'rb' } });
    const before = await admin().listRows({ ...t('players'), queries: [Query.limit(100)] });
    const tx = await alice.as(() => alice.tablesDB.createTransaction());
    await alice.as(() => alice.tablesDB.createRow({ ...t('players'), rowId: 'rb-new', data: { score: 1 }, transactionId: tx.$id }));
    await alice.as(() => alice.tablesDB.updateRow({ ...t('players'), rowId: 'rb', data: { score: Operator.decrement(10) }, transactionId: tx.$id }));
    await alice.as(() => alice.tablesDB.createRow({ ...t('members'), rowId: 'm2', data: { name: 'Max', team: { $id: 'team2', name: 'Larks' } }, transactionId: tx.$id }));
    expect((await alice.as(() => alice.tablesDB.updateTransaction({ transactionId: tx.$id, rollback: true }))).status).toBe('rolled_back');
    expect(await admin().listRows({ ...t('players'), queries: [Query.limit(100)] })).toEqual(before);
    for (const [table, id] of [['members', 'm2'], ['teams', 'team2'], ['players', 'rb-new']]) {
      expect((await refusal(admin().getRow({ ...t(table), rowId: id }))).code).toBe(404);
    }
  });
});
