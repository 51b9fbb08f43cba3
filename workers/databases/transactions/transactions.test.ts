/**
 * Transactions through the front door: staged operations apply on commit as ONE batch, all or
 * nothing; rollback discards; the 101st operation is refused; a row changed since it was staged
 * fails the commit; staged rows stay invisible to other callers until the commit.
 */
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookieName } from '../../../test/browser';
import { call, errorOf, okJson, rootKey, signedInUser } from '../../../test/helpers';
import type { LedgeEvent } from '../../events/event';
import { registerSink } from '../../events/publish';
import { dropExpiredTransactions } from './store';

type Json = Record<string, unknown>;
const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  call(path, { method, key: Object.keys(headers).length ? null : rootKey(), json: body, headers });
const seen: LedgeEvent[] = [];
const unregister = registerSink({ name: 'test-transactions', deliver: async (_env, events) => void seen.push(...events) });
afterAll(unregister);

let db = '';
const rows = (t: string) => `/v1/tablesdb/${db}/tables/${t}/rows`;
const TX = '/v1/tablesdb/transactions';

beforeAll(async () => {
  db = `tx${crypto.randomUUID().slice(0, 8)}`;
  await okJson(await send('POST', '/v1/tablesdb', { databaseId: db, name: 'Tx' }), 201);
  for (const t of ['accounts', 'ledger']) {
    await okJson(await send('POST', `/v1/tablesdb/${db}/tables`, { tableId: t, name: t, permissions: ['read("users")', 'create("users")', 'update("users")', 'delete("users")'], rowSecurity: false }), 201);
    await okJson(await send('POST', `/v1/tablesdb/${db}/tables/${t}/columns/string`, { key: 'name', size: 50, required: true }), 202);
    await okJson(await send('POST', `/v1/tablesdb/${db}/tables/${t}/columns/integer`, { key: 'balance', required: false, min: 0, max: 1000000 }), 202);
  }
  await okJson(await send('POST', `/v1/tablesdb/${db}/tables/accounts/indexes`, { key: 'name_unique', type: 'unique', columns: ['name'] }), 202);
});

async function dump(): Promise<string> {
  const parts: string[] = [];
  for (const t of ['accounts', 'ledger']) {
    const list = await okJson<{ rows: Json[] }>(await send('GET', `${rows(t)}?queries[]=${encodeURIComponent('{"method":"limit","values":[5000]}')}`));
    parts.push(JSON.stringify(list.rows.map((r) => [r.$id, r.name, r.balance, r.$updatedAt, r.$permissions]).sort()));
  }
  return parts.join('\n');
}

const begin = async (ttl?: number) => okJson<Json>(await send('POST', TX, ttl ? { ttl } : {}), 201);
const stage = (id: unknown, operations: Json[]) => send('POST', `${TX}/${id}/operations`, { operations });
const commit = (id: unknown) => send('PATCH', `${TX}/${id}`, { commit: true });
const op = (action: string, table: string, rowId: string | null, data?: unknown): Json => ({ action, databaseId: db, tableId: table, ...(rowId ? { rowId } : {}), data });

describe('transactions', () => {
  it('creates, gets and lists; ttl is bounded', async () => {
    const t = await begin(120);
    expect(t).toMatchObject({ status: 'pending', operations: 0 });
    expect(Date.parse(t.expiresAt as string) - Date.parse(t.$createdAt as string)).toBe(120_000);
    expect(await okJson(await send('GET', `${TX}/${t.$id}`))).toEqual(t);
    const list = await okJson<{ total: number; transactions: Json[] }>(await send('GET', TX));
    expect(list.transactions.map((x) => x.$id)).toContain(t.$id);
    expect(await errorOf(await send('POST', TX, { ttl: 10 }))).toMatchObject({ code: 400, type: 'general_argument_invalid' });
    expect(await errorOf(await send('GET', `${TX}/nope`))).toMatchObject({ code: 404, type: 'transaction_not_found' });
  });

  it('50 mixed operations commit atomically, with events only after the commit', async () => {
    await okJson(await send('POST', rows('accounts'), { rowId: 'pre1', data: { name: 'pre one', balance: 10 } }), 201);
    await okJson(await send('POST', rows('accounts'), { rowId: 'pre2', data: { name: 'pre two', balance: 10 } }), 201);
    const t = await begin();
    const ops: Json[] = [];
    for (let i = 0; i < 40; i++) ops.push(op('create', i % 2 ? 'accounts' : 'ledger', `m${i}`, { name: `mixed ${i}`, balance: i }));
    for (let i = 0; i < 5; i++) ops.push(op('update', 'ledger', `m${i * 2}`, { balance: 500 + i }));
    ops.push(op('increment', 'accounts', 'pre1', { column: 'balance', value: 5 }));
    ops.push(op('decrement', 'accounts', 'pre2', { column: 'balance', value: 3 }));
    ops.push(op('upsert', 'accounts', 'pre1', { name: 'pre one renamed' }));
    ops.push(op('delete', 'accounts', 'm1'));
    ops.push(op('upsert', 'accounts', 'up1', { name: 'upserted', balance: 1 }));
    expect(ops.length).toBe(50);
    const staged = await okJson<Json>(await stage(t.$id, ops), 201);
    expect(staged.operations).toBe(50);
    const before = seen.length;
    expect(await errorOf(await send('GET', `${rows('ledger')}/m0`))).toMatchObject({ code: 404 });
    expect(await okJson<Json>(await commit(t.$id))).toMatchObject({ status: 'committed' });
    expect(await okJson<Json>(await send('GET', `${rows('ledger')}/m0`))).toMatchObject({ name: 'mixed 0', balance: 500 });
    expect(await okJson<Json>(await send('GET', `${rows('accounts')}/pre1`))).toMatchObject({ name: 'pre one renamed', balance: 15 });
    expect(await okJson<Json>(await send('GET', `${rows('accounts')}/pre2`))).toMatchObject({ balance: 7 });
    expect(await errorOf(await send('GET', `${rows('accounts')}/m1`))).toMatchObject({ code: 404 });
    for (let i = 0; i < 100 && seen.length - before < 42; i++) await new Promise((r) => setTimeout(r, 20));
    const names = seen.slice(before).map((e) => e.events[0]);
    expect(names.filter((n) => n.endsWith('.create')).length).toBe(39);
    expect(names).toContain(`databases.${db}.tables.accounts.rows.pre1.upsert`);
    expect(names).toContain(`databases.${db}.tables.accounts.rows.pre2.update`);
    expect(names).toContain(`databases.${db}.tables.accounts.rows.up1.upsert`);
    // m1 was created and deleted inside the transaction: no net change, no event.
    expect(names.some((n) => n.includes('.rows.m1.'))).toBe(false);
    expect(names.length).toBe(42);
    expect(await errorOf(await commit(t.$id))).toMatchObject({ code: 400, type: 'transaction_invalid' });
  });

  it('one operation hitting a constraint violation leaves every table unchanged', async () => {
    await okJson(await send('POST', rows('accounts'), { rowId: 'uniq', data: { name: 'taken name', balance: 1 } }), 201);
    const before = await dump();
    const t = await begin();
    const ops: Json[] = [];
    for (let i = 0; i < 20; i++) ops.push(op('create', 'ledger', `cv${i}`, { name: `cv ${i}`, balance: i }));
    ops.push(op('update', 'accounts', 'pre1', { balance: 999 }));
    ops.push(op('create', 'accounts', 'clash', { name: 'taken name' }));
    await okJson(await stage(t.$id, ops), 201);
    const err = await errorOf(await commit(t.$id));
    expect(err).toMatchObject({ code: 409, type: 'row_unique_constraint_violation' });
    expect(await dump()).toBe(before);
    expect(await okJson<Json>(await send('GET', `${TX}/${t.$id}`))).toMatchObject({ status: 'failed' });
  });

  it('rollback discards everything staged', async () => {
    const before = await dump();
    const t = await begin();
    await okJson(await stage(t.$id, [op('create', 'ledger', 'rb1', { name: 'rolled back' }), op('delete', 'accounts', 'pre2')]), 201);
    expect(await okJson<Json>(await send('PATCH', `${TX}/${t.$id}`, { rollback: true }))).toMatchObject({ status: 'rolled_back' });
    expect(await dump()).toBe(before);
    expect(await errorOf(await commit(t.$id))).toMatchObject({ code: 400, type: 'transaction_invalid' });
  });

  it('the 101st operation is refused', async () => {
    const t = await begin();
    const ops = Array.from({ length: 100 }, (_, i) => op('create', 'ledger', `lim${i}`, { name: `lim ${i}` }));
    expect(await okJson<Json>(await stage(t.$id, ops), 201)).toMatchObject({ operations: 100 });
    expect(await errorOf(await stage(t.$id, [op('create', 'ledger', 'lim100', { name: 'one too many' })]))).toMatchObject({ code: 400, type: 'transaction_limit_exceeded' });
    expect(await okJson<Json>(await send('GET', `${TX}/${t.$id}`))).toMatchObject({ operations: 100 });
  });

  it('a concurrent write to a staged row fails the commit with a conflict, applying nothing', async () => {
    await okJson(await send('POST', rows('accounts'), { rowId: 'hot', data: { name: 'hot', balance: 100 } }), 201);
    const t = await begin();
    await okJson(await stage(t.$id, [op('update', 'accounts', 'hot', { balance: 50 }), op('create', 'ledger', 'hotlog', { name: 'moved 50' })]), 201);
    await okJson(await send('PATCH', `${rows('accounts')}/hot`, { data: { balance: 101 } }));
    const before = await dump();
    expect(await errorOf(await commit(t.$id))).toMatchObject({ code: 409, type: 'transaction_conflict' });
    expect(await dump()).toBe(before);
  });

  it('staged rows are invisible to other callers and visible through the transaction', async () => {
    const as = async () => ({ headers: { Cookie: `${sessionCookieName()}=${(await signedInUser()).cookieValue}` } });
    const alice = await as();
    const bob = await as();
    const t = await okJson<Json>(await send('POST', TX, {}, alice.headers), 201);
    const created = await okJson<Json>(await send('POST', rows('ledger'), { rowId: 'secret', data: { name: 'staged' }, transactionId: t.$id }, alice.headers), 201);
    expect(created).toMatchObject({ $id: 'secret', name: 'staged' });
    expect(await errorOf(await send('GET', `${rows('ledger')}/secret`, undefined, bob.headers))).toMatchObject({ code: 404 });
    expect(await errorOf(await send('GET', `${rows('ledger')}/secret`, undefined, alice.headers))).toMatchObject({ code: 404 });
    expect(await okJson<Json>(await send('GET', `${rows('ledger')}/secret?transactionId=${t.$id}`, undefined, alice.headers))).toMatchObject({ name: 'staged' });
    const listed = await okJson<{ rows: Json[] }>(await send('GET', `${rows('ledger')}?transactionId=${t.$id}`, undefined, alice.headers));
    expect(listed.rows.map((r) => r.$id)).toContain('secret');
    // Bob cannot see, use or commit Alice's transaction.
    expect(await errorOf(await send('GET', `${TX}/${t.$id}`, undefined, bob.headers))).toMatchObject({ code: 404, type: 'transaction_not_found' });
    expect(await errorOf(await send('PATCH', `${TX}/${t.$id}`, { commit: true }, bob.headers))).toMatchObject({ code: 404, type: 'transaction_not_found' });
    expect(await errorOf(await send('GET', `${rows('ledger')}/secret?transactionId=${t.$id}`, undefined, bob.headers))).toMatchObject({ code: 404, type: 'transaction_not_found' });
    // Staging through the row routes: update, increment, delete.
    await okJson(await send('PATCH', `${rows('ledger')}/secret`, { data: { balance: 5 }, transactionId: t.$id }, alice.headers));
    await okJson(await send('PATCH', `${rows('ledger')}/secret/balance/increment`, { value: 2, transactionId: t.$id }, alice.headers));
    expect(await okJson<Json>(await send('PATCH', `${TX}/${t.$id}`, { commit: true }, alice.headers))).toMatchObject({ status: 'committed', operations: 3 });
    expect(await okJson<Json>(await send('GET', `${rows('ledger')}/secret`, undefined, bob.headers))).toMatchObject({ name: 'staged', balance: 7 });
  });

  it('guests cannot own a transaction; the cron drops expired ones', async () => {
    expect((await send('POST', TX, {}, { 'X-Appwrite-Project': env.PROJECT_ID })).status).toBe(401);
    const t = await begin(60);
    await env.DB.prepare("UPDATE transactions SET expires_at = '2000-01-01T00:00:00.000+00:00' WHERE id = ?").bind(t.$id).run();
    expect(await errorOf(await stage(t.$id, [op('create', 'ledger', 'late', { name: 'late' })]))).toMatchObject({ code: 410, type: 'transaction_expired' });
    expect(await dropExpiredTransactions(env.DB)).toBeGreaterThan(0);
    expect(await errorOf(await send('GET', `${TX}/${t.$id}`))).toMatchObject({ code: 404 });
  });
});
