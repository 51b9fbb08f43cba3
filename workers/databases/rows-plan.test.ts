/**
 * Query plans of row lists as `listPlan` builds them, on a real user table: an order an index can
 * serve never sorts (no `USE TEMP B-TREE FOR ORDER BY`), forwards or backwards, paged with a cursor
 * either way, whether the caller is an API key (no filter), a known user (roles bound) or one
 * checked in the same batch (roles from SQL). Under rowSecurity the page and the `total` stay in
 * the index (its `_read` tail, schema-sql READ_ROLE_COLUMN): a count reads at most twice the rows
 * the same count reads with rowSecurity off, measured by D1's own `rows_read`.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { asRoot, call, okJson, signedInUser } from '../../test/helpers';
import type { Caller } from '../identity/batch';
import { rolesSql } from '../identity/roles-sql';
import { uniqueId } from '../lib/ids';
import type { PendingReader } from '../lib/permissions-container';
import { keyPrincipal, userPrincipal, type Principal } from '../lib/principal';
import { ROOT_SCOPES } from '../lib/scopes';
import { nowDate } from '../lib/time';
import { TABLES_API } from './row-values';
import { listPlan } from './rows-list';
import { loadFresh } from './table-cache';
import type { TableDef } from './types';

interface Captured {
  sql: string;
  params: unknown[];
}

/** A binding that only records what `listPlan` prepares. */
const capturing = { prepare: (sql: string) => ({ bind: (...params: unknown[]) => ({ sql, params }) }) } as unknown as D1Database;

function callerFor(reader: Principal | PendingReader): Caller {
  return {
    reader,
    principal: () => (reader.kind === 'pending' ? userPrincipal(SUBJECT, 's', 'session') : reader),
    batch: () => Promise.reject(new Error('plans only')),
    writer: () => null,
  };
}

const SUBJECT = { id: 'plan-user', emailVerification: false, phoneVerification: false, labels: [], memberships: [] };
const readers: [string, Principal | PendingReader][] = [
  ['an API key', keyPrincipal('root', ROOT_SCOPES)],
  ['a known user', userPrincipal(SUBJECT, 's', 'session')],
  ['a user checked in the same batch', { kind: 'pending', roles: rolesSql(SUBJECT.id, { secretHash: 'h' }, nowDate()) }],
];

const q = (method: string, attribute?: string, values?: unknown[]) => JSON.stringify({ method, attribute, values });
let table: TableDef;

/** The page and count statements `listPlan` builds for `reader` on `t`. */
function statementsOf(t: TableDef, reader: Principal | PendingReader, queries: string[], total: boolean) {
  const plan = listPlan(capturing, callerFor(reader), t, TABLES_API, queries, total);
  const stmts = plan.statements as unknown as Captured[];
  const [page, count] = stmts.slice(queries.some((x) => x.includes('"cursor')) ? 1 : 0);
  return { page, count };
}

const explain = async (s: Captured) =>
  (await env.DB.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).bind(...s.params).all<{ detail: string }>()).results.map((r) => r.detail).join('; ');

async function plans(reader: Principal | PendingReader, queries: string[], total = true): Promise<{ page: string; count?: string }> {
  const { page, count } = statementsOf(table, reader, queries, total);
  return { page: await explain(page), count: count && (await explain(count)) };
}

beforeAll(async () => {
  const db = `pl${uniqueId().slice(0, 10)}`;
  const base = `/v1/tablesdb/${db}/tables/items`;
  await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'Plans' } }), 201);
  await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { method: 'POST', json: { tableId: 'items', name: 'Items', permissions: ['create("users")'], rowSecurity: true } }), 201);
  await okJson(await asRoot(`${base}/columns/integer`, { method: 'POST', json: { key: 'priority', required: false } }), 202);
  await okJson(await asRoot(`${base}/columns/integer`, { method: 'POST', json: { key: 'score', required: false } }), 202);
  await okJson(await asRoot(`${base}/columns/varchar`, { method: 'POST', json: { key: 'status', size: 16, required: false } }), 202);
  await okJson(await asRoot(`${base}/indexes`, { method: 'POST', json: { key: 'by_priority', type: 'key', columns: ['priority'], orders: ['ASC'] } }), 202);
  await okJson(await asRoot(`${base}/indexes`, { method: 'POST', json: { key: 'status_score', type: 'key', columns: ['status', 'score'], orders: ['ASC', 'DESC'] } }), 202);
  table = (await loadFresh(env.DB, { databaseId: db, tableId: 'items', flavor: 'tablesdb' })).table;
});

describe('row lists: an indexed order is never sorted, in either direction', () => {
  const lists: [string, string[]][] = [
    ['greaterThan(priority) + orderDesc(priority) on an ascending index', [q('greaterThan', 'priority', [3]), q('orderDesc', 'priority'), q('limit', undefined, [25])]],
    ['greaterThan(priority) + orderAsc(priority)', [q('greaterThan', 'priority', [3]), q('orderAsc', 'priority'), q('limit', undefined, [25])]],
    ['equal(status) + orderDesc(score) on (status ASC, score DESC)', [q('equal', 'status', ['open']), q('orderDesc', 'score'), q('limit', undefined, [25])]],
    ['equal(status) + orderAsc(score), against that index', [q('equal', 'status', ['open']), q('orderAsc', 'score'), q('limit', undefined, [25])]],
  ];
  for (const [name, queries] of lists) {
    it(name, async () => {
      for (const [who, reader] of readers) {
        for (const cursor of [[], [q('cursorAfter', undefined, ['r1'])], [q('cursorBefore', undefined, ['r1'])]]) {
          const { page } = await plans(reader, [...queries, ...cursor], false);
          expect(page, `${who}: ${[...queries, ...cursor].join(' ')}`).not.toMatch(/TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY/);
        }
      }
    });
  }
});

describe('counts under rowSecurity stay in the index', () => {
  const ROWS = 600;
  const STATUSES = ['open', 'closed', 'draft'];
  let seeded: TableDef;
  let owner: Principal;
  let pendingOwner: PendingReader;

  beforeAll(async () => {
    const db = `pc${uniqueId().slice(0, 10)}`;
    const base = `/v1/tablesdb/${db}/tables/items`;
    const ownerId = `own${uniqueId().slice(0, 8)}`;
    await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'Counts' } }), 201);
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { method: 'POST', json: { tableId: 'items', name: 'Items', permissions: [], rowSecurity: true } }), 201);
    await okJson(await asRoot(`${base}/columns/varchar`, { method: 'POST', json: { key: 'status', size: 16, required: false } }), 202);
    await okJson(await asRoot(`${base}/columns/integer`, { method: 'POST', json: { key: 'score', required: false } }), 202);
    await okJson(await asRoot(`${base}/columns/integer`, { method: 'POST', json: { key: 'priority', required: false } }), 202);
    await okJson(await asRoot(`${base}/indexes`, { method: 'POST', json: { key: 'status_score', type: 'key', columns: ['status', 'score'], orders: ['ASC', 'DESC'] } }), 202);
    await okJson(await asRoot(`${base}/indexes`, { method: 'POST', json: { key: 'by_priority', type: 'key', columns: ['priority'], orders: ['ASC'] } }), 202);
    // Half the rows are the owner's alone; a few more are shared with a team (two read roles: probed).
    const rows = Array.from({ length: ROWS }, (_, i) => ({
      $id: `r${i}`,
      status: STATUSES[i % STATUSES.length],
      score: (i * 37) % 101,
      priority: i % 10,
      $permissions: i % 2 === 0 ? [`read("user:${ownerId}")`] : i % 7 === 0 ? [`read("user:${ownerId}")`, 'read("team:crew")'] : ['read("user:someone-else")'],
    }));
    await okJson(await asRoot(`${base}/rows`, { method: 'POST', json: { rows } }), 201);
    seeded = (await loadFresh(env.DB, { databaseId: db, tableId: 'items', flavor: 'tablesdb' })).table;
    owner = userPrincipal({ ...SUBJECT, id: ownerId }, 's', 'session');
    pendingOwner = { kind: 'pending', roles: rolesSql(ownerId, { secretHash: 'never' }, nowDate()) };
  });

  async function run(s: Captured) {
    const r = await env.DB.prepare(s.sql).bind(...s.params).all<Record<string, unknown>>();
    return { rows: r.results, read: r.meta.rows_read };
  }

  const lists: [string, string[]][] = [
    ['equal(status) + orderDesc(score)', [q('equal', 'status', ['open']), q('orderDesc', 'score'), q('limit', undefined, [25])]],
    ['greaterThan(priority) + orderDesc(priority)', [q('greaterThan', 'priority', [3]), q('orderDesc', 'priority'), q('limit', undefined, [25])]],
  ];
  for (const [name, queries] of lists) {
    it(`${name}: the count uses a covering index and reads at most 2× the rowSecurity-off count`, async () => {
      const off = statementsOf(seeded, keyPrincipal('root', ROOT_SCOPES), queries, true);
      const on = statementsOf(seeded, owner, queries, true);
      expect(await explain(on.count!)).toMatch(/USING COVERING INDEX/);
      const [offCount, onCount] = [await run(off.count!), await run(on.count!)];
      // The owner's rows: every even one, plus the shared ones among the odd.
      const matching = (i: number) => (name.startsWith('equal') ? i % 3 === 0 : i % 10 > 3);
      const readable = Array.from({ length: ROWS }, (_, i) => i).filter((i) => matching(i) && (i % 2 === 0 || i % 7 === 0));
      expect(onCount.rows[0].total).toBe(readable.length);
      expect(onCount.read).toBeLessThanOrEqual(2 * offCount.read + 2);
      // The same for a caller checked in the same batch (roles from SQL; this one has no session, so a guest).
      expect(await explain(statementsOf(seeded, pendingOwner, queries, true).count!)).toMatch(/USING COVERING INDEX/);
    });
  }

  it('keeps the read-role column exact through creates and permission updates', async () => {
    const read = async (id: string) => (await env.DB.prepare(`SELECT _read FROM "${seeded.sqlName}" WHERE _uid = ?`).bind(id).first<{ _read: string | null }>())!._read;
    expect(await read('r0')).toBe(`user:${(owner as { userId: string }).userId}`);
    expect(await read('r7')).toBeNull();
    const path = `/v1/tablesdb/${seeded.databaseId}/tables/items/rows/r0`;
    await okJson(await asRoot(path, { method: 'PATCH', json: { permissions: [] } }));
    expect(await read('r0')).toBe('');
    await okJson(await asRoot(path, { method: 'PATCH', json: { permissions: ['read("any")', 'update("users")'] } }));
    expect(await read('r0')).toBe('any');
    await okJson(await asRoot(path, { method: 'PATCH', json: { permissions: ['read("any")', 'read("users")'] } }));
    expect(await read('r0')).toBeNull();
  });
});

describe('tables made before the read-role column (layout 0)', () => {
  it('still list, count, create and update, filtering by the side table alone', async () => {
    const db = `lo${uniqueId().slice(0, 10)}`;
    const base = `/v1/tablesdb/${db}/tables/old`;
    const owner = await signedInUser();
    await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'Old' } }), 201);
    await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { method: 'POST', json: { tableId: 'old', name: 'Old', permissions: ['create("users")'], rowSecurity: true } }), 201);
    await okJson(await asRoot(`${base}/columns/integer`, { method: 'POST', json: { key: 'n', required: false } }), 202);
    await okJson(await asRoot(`${base}/indexes`, { method: 'POST', json: { key: 'by_n', type: 'key', columns: ['n'], orders: ['ASC'] } }), 202);
    // Back to the old layout, as a table made before migration 0025 is.
    const { seq } = (await env.DB.prepare('SELECT seq FROM tables WHERE database_id = ? AND id = ?').bind(db, 'old').first<{ seq: number }>())!;
    const index = (await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE ?").bind(`t_${seq}_i_%`).first<{ name: string }>())!.name;
    await env.DB.batch([
      ...[`t_${seq}_created`, `t_${seq}_updated`, index].map((i) => env.DB.prepare(`DROP INDEX "${i}"`)),
      env.DB.prepare(`ALTER TABLE "t_${seq}" DROP COLUMN _read`),
      env.DB.prepare(`CREATE INDEX "t_${seq}_created" ON "t_${seq}" (_createdAt, _seq)`),
      env.DB.prepare(`CREATE INDEX "t_${seq}_updated" ON "t_${seq}" (_updatedAt, _seq)`),
      env.DB.prepare(`CREATE INDEX "${index}" ON "t_${seq}" (c_n ASC)`),
      env.DB.prepare("UPDATE tables SET layout = 0, version = lower(hex(randomblob(8))) WHERE seq = ?").bind(seq),
    ]);
    const asOwner = (path: string, init: RequestInit & { json?: unknown } = {}) => call(path, { ...init, headers: { Cookie: owner.cookie } });
    for (let i = 0; i < 6; i++) {
      const permissions = i % 2 === 0 ? undefined : ['read("user:someone-else")'];
      await okJson(await asRoot(`${base}/rows`, { method: 'POST', json: { rowId: `o${i}`, data: { n: i }, permissions: permissions ?? [`read("user:${owner.user.id}")`] } }), 201);
    }
    await okJson(await asOwner(`${base}/rows`, { method: 'POST', json: { rowId: 'mine', data: { n: 10 } } }), 201);
    const list = await okJson<{ total: number; rows: { $id: string }[] }>(await asOwner(`${base}/rows?queries[]=${encodeURIComponent(q('orderDesc', 'n'))}`));
    expect([list.total, list.rows.map((r) => r.$id)]).toEqual([4, ['mine', 'o4', 'o2', 'o0']]);
    await okJson(await asRoot(`${base}/rows/o1`, { method: 'PATCH', json: { permissions: [`read("user:${owner.user.id}")`] } }));
    expect((await okJson<{ total: number }>(await asOwner(`${base}/rows`))).total).toBe(5);
  });
});

