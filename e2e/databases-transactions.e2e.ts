/**
 * Transactions, atomic operators, bulk writes and aggregation through the official SDKs:
 * node-appwrite (root key) for the schema and bulk calls, a signed-in web SDK user (appwrite@27)
 * for operators and transactions, as the SDKs serialise them (Operator.* strings, createOperations).
 */
import { Condition, ID, Operator, Permission, Role, TablesDB } from 'appwrite';
import { Operator as ServerOperator, TablesDB as ServerTablesDB } from 'node-appwrite';
import { beforeAll, describe, expect, it } from 'vitest';
import { ledge, refusal, serverClient } from './support/ledge';
import { signedInWebUser } from './support/signed-in';

async function signedInUser() {
  const user = await signedInWebUser('tx', 'Tx');
  return { ...user, tablesDB: new TablesDB(user.client) };
}
type User = Awaited<ReturnType<typeof signedInUser>>;

const admin = () => new ServerTablesDB(serverClient());
let databaseId = '';
let alice: User;
let bob: User;
const t = (tableId: string) => ({ databaseId, tableId });

beforeAll(async () => {
  databaseId = (await admin().create({ databaseId: ID.unique(), name: 'Tx e2e' })).$id;
  const open = [Permission.read(Role.users()), Permission.create(Role.users()), Permission.update(Role.users()), Permission.delete(Role.users())];
  await admin().createTable({ ...t('counters'), name: 'Counters', permissions: open, rowSecurity: false });
  await admin().createIntegerColumn({ ...t('counters'), key: 'n', required: false, min: 0, max: 1_000_000 });
  await admin().createIntegerColumn({ ...t('counters'), key: 'list', required: false, array: true });
  await admin().createStringColumn({ ...t('counters'), key: 'label', size: 20, required: false });
  await admin().createBooleanColumn({ ...t('counters'), key: 'on', required: false });
  alice = await signedInUser();
  bob = await signedInUser();
});

describe('atomic operators (appwrite@27 Operator)', () => {
  it('applies operators and refuses a result out of range', async () => {
    const row = await alice.as(() => alice.tablesDB.createRow({ ...t('counters'), rowId: ID.unique(), data: { n: 5, list: [1], label: 'a', on: false } }));
    const updated = await alice.as(() =>
      alice.tablesDB.updateRow({
        ...t('counters'), rowId: row.$id,
        data: { n: Operator.multiply(3), list: Operator.arrayAppend([2, 3]), label: Operator.stringConcat('bc'), on: Operator.toggle() },
      }),
    );
    expect(updated).toMatchObject({ n: 15, list: [1, 2, 3], label: 'abc', on: true });
    const filtered = await alice.as(() => alice.tablesDB.updateRow({ ...t('counters'), rowId: row.$id, data: { list: Operator.arrayFilter(Condition.GreaterThan, 1) } }));
    expect(filtered.list).toEqual([2, 3]);
    const err = await refusal(alice.as(() => alice.tablesDB.updateRow({ ...t('counters'), rowId: row.$id, data: { n: Operator.increment(2_000_000) } as Record<string, unknown> })));
    expect(err.type).toBe('row_invalid_structure');
  });

  it('100 parallel clients increment and append to one row: exact total, nothing lost', async () => {
    const row = await admin().createRow({ ...t('counters'), rowId: ID.unique(), data: { n: 0, list: [] } as Record<string, unknown> });
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        admin().updateRow({ ...t('counters'), rowId: row.$id, data: { n: ServerOperator.increment(1), list: ServerOperator.arrayAppend([i]) } }),
      ),
    );
    const final = await admin().getRow({ ...t('counters'), rowId: row.$id });
    expect(final.n).toBe(100);
    expect([...(final.list as number[])].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('transactions (TablesDB)', () => {
  it('stage with transactionId and createOperations, invisible until commit, then applied at once', async () => {
    const tx = await alice.as(() => alice.tablesDB.createTransaction({ ttl: 120 }));
    expect(tx.status).toBe('pending');
    const staged = await alice.as(() => alice.tablesDB.createRow({ ...t('counters'), rowId: 'tx-row', data: { n: 1, label: 'staged' }, transactionId: tx.$id }));
    expect(staged.label).toBe('staged');
    await alice.as(() =>
      alice.tablesDB.createOperations({
        transactionId: tx.$id,
        operations: [
          { action: 'increment', databaseId, tableId: 'counters', rowId: 'tx-row', data: { column: 'n', value: 4 } },
          { action: 'create', databaseId, tableId: 'counters', rowId: 'tx-row-2', data: { n: 2 } },
        ],
      }),
    );
    expect((await refusal(bob.as(() => bob.tablesDB.getRow({ ...t('counters'), rowId: 'tx-row' })))).code).toBe(404);
    const through = await alice.as(() => alice.tablesDB.getRow({ ...t('counters'), rowId: 'tx-row', transactionId: tx.$id }));
    expect(through.n).toBe(5);
    expect((await refusal(bob.as(() => bob.tablesDB.getTransaction({ transactionId: tx.$id })))).type).toBe('transaction_not_found');
    const done = await alice.as(() => alice.tablesDB.updateTransaction({ transactionId: tx.$id, commit: true }));
    expect(done).toMatchObject({ status: 'committed', operations: 3 });
    expect((await bob.as(() => bob.tablesDB.getRow({ ...t('counters'), rowId: 'tx-row' }))).n).toBe(5);
    expect((await bob.as(() => bob.tablesDB.getRow({ ...t('counters'), rowId: 'tx-row-2' }))).n).toBe(2);
  });

  it('rollback discards; a conflicting write fails the commit; the 101st operation is refused', async () => {
    const tx = await alice.as(() => alice.tablesDB.createTransaction());
    await alice.as(() => alice.tablesDB.createRow({ ...t('counters'), rowId: 'rolled', data: { n: 1 }, transactionId: tx.$id }));
    expect((await alice.as(() => alice.tablesDB.updateTransaction({ transactionId: tx.$id, rollback: true }))).status).toBe('rolled_back');
    expect((await refusal(admin().getRow({ ...t('counters'), rowId: 'rolled' }))).code).toBe(404);

    await admin().createRow({ ...t('counters'), rowId: 'contended', data: { n: 10 } });
    const tx2 = await alice.as(() => alice.tablesDB.createTransaction());
    await alice.as(() => alice.tablesDB.updateRow({ ...t('counters'), rowId: 'contended', data: { n: 11 }, transactionId: tx2.$id }));
    await admin().updateRow({ ...t('counters'), rowId: 'contended', data: { n: 99 } });
    const conflict = await refusal(alice.as(() => alice.tablesDB.updateTransaction({ transactionId: tx2.$id, commit: true })));
    expect(conflict).toMatchObject({ code: 409, type: 'transaction_conflict' });
    expect((await admin().getRow({ ...t('counters'), rowId: 'contended' })).n).toBe(99);

    const tx3 = await admin().createTransaction();
    const ops = Array.from({ length: 100 }, (_, i) => ({ action: 'create', databaseId, tableId: 'counters', rowId: `lim-${i}`, data: { n: i } }));
    await admin().createOperations({ transactionId: tx3.$id, operations: ops });
    const over = await refusal(admin().createOperations({ transactionId: tx3.$id, operations: [{ action: 'create', databaseId, tableId: 'counters', rowId: 'lim-100', data: {} }] }));
    expect(over.type).toBe('transaction_limit_exceeded');
    expect((await admin().updateTransaction({ transactionId: tx3.$id, commit: true })).status).toBe('committed');
    expect((await admin().listRows({ ...t('counters'), queries: [] })).total).toBeGreaterThanOrEqual(100);
  });
});

describe('bulk and aggregation (node-appwrite, API key)', () => {
  it('createRows of 1,000 with a bad row at 900 leaves nothing; a good one lands whole', async () => {
    await admin().createTable({ ...t('bulk'), name: 'Bulk', permissions: [Permission.read(Role.any())] });
    await admin().createIntegerColumn({ ...t('bulk'), key: 'n', required: true, min: 0, max: 10_000 });
    await admin().createStringColumn({ ...t('bulk'), key: 'kind', size: 5, required: false });
    const rows = Array.from({ length: 1000 }, (_, i) => ({ $id: `b${i}`, n: i, kind: i % 2 ? 'odd' : 'even' }));
    const bad = rows.map((r, i) => (i === 900 ? { ...r, n: -1 } : r));
    expect((await refusal(admin().createRows({ ...t('bulk'), rows: bad }))).type).toBe('row_invalid_structure');
    expect((await admin().listRows({ ...t('bulk'), queries: [] })).total).toBe(0);
    expect((await admin().createRows({ ...t('bulk'), rows })).total).toBe(1000);
    // The aggregation extension, called as a plain GET through the SDK client.
    const client = serverClient();
    const url = new URL(`${ledge.endpoint}/tablesdb/${databaseId}/tables/bulk/aggregate`);
    const result = (await client.call('get', url, { 'X-Appwrite-Project': ledge.projectId }, { metrics: ['count', 'sum:n', 'max:n'], groupBy: ['kind'] })) as {
      groups: { group: { kind: string }; metrics: Record<string, number> }[];
    };
    expect(result.groups).toEqual([
      { group: { kind: 'even' }, metrics: { count: 500, 'sum:n': 249500, 'max:n': 998 } },
      { group: { kind: 'odd' }, metrics: { count: 500, 'sum:n': 250000, 'max:n': 999 } },
    ]);
  });
});
