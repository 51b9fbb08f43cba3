/**
 * Query plans of row lists as `listPlan` builds them, on a real user table: an order an index can
 * serve never sorts (no `USE TEMP B-TREE FOR ORDER BY`), forwards or backwards, paged with a cursor
 * either way, whether the caller is an API key (no filter), a known user (roles bound) or one
 * checked in the same batch (roles from SQL).
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { asRoot, okJson } from '../../test/helpers';
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

async function plans(reader: Principal | PendingReader, queries: string[], total = true): Promise<{ page: string; count?: string }> {
  const plan = listPlan(capturing, callerFor(reader), table, TABLES_API, queries, total);
  const stmts = plan.statements as unknown as Captured[];
  const explain = async (s: Captured) =>
    (await env.DB.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).bind(...s.params).all<{ detail: string }>()).results.map((r) => r.detail).join('; ');
  const hasCursor = queries.some((x) => x.includes('"cursor'));
  const [page, count] = stmts.slice(hasCursor ? 1 : 0);
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
