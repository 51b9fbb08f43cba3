import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { call, rootKey } from '../../../test/helpers';
import { parseJsonBig } from '../../lib/json-big';

/** Shared steps of the schema API tests (schema-*.test.ts): requests with the root key, SQL peeks, fresh databases and tables. */
export const json = (body: unknown) => JSON.stringify(body);
export const post = (path: string, body: unknown, key: string | null = rootKey()) => call(path, { method: 'POST', key, body: json(body) });
export const patch = (path: string, body: unknown, key: string | null = rootKey()) => call(path, { method: 'PATCH', key, body: json(body) });
export const put = (path: string, body: unknown, key: string | null = rootKey()) => call(path, { method: 'PUT', key, body: json(body) });
export const get = (path: string, key: string | null = rootKey()) => call(path, { key });
export const del = (path: string, key: string | null = rootKey()) => call(path, { method: 'DELETE', key });

export async function ok<T = Record<string, unknown>>(res: Response, status?: number): Promise<T> {
  const text = await res.text();
  if (status !== undefined) expect(res.status, text).toBe(status);
  else expect(res.status, text).toBeLessThan(300);
  return (text ? parseJsonBig(text) : null) as T;
}

export async function sql<T = Record<string, unknown>>(query: string, ...binds: unknown[]): Promise<T[]> {
  return (await env.DB.prepare(query).bind(...binds).all<T>()).results;
}

export async function tableSeq(databaseId: string, tableId: string): Promise<number> {
  const [row] = await sql<{ seq: number }>('SELECT seq FROM tables WHERE database_id = ? AND id = ?', databaseId, tableId);
  return row.seq;
}

export async function sqlColumns(seq: number): Promise<Record<string, string>> {
  const rows = await sql<{ name: string; type: string }>(`PRAGMA table_info("t_${seq}")`);
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

export async function newDb(prefix = 'tablesdb') {
  const id = `db${crypto.randomUUID().slice(0, 8)}`;
  await ok(await post(`/v1/${prefix}`, { databaseId: id, name: 'Test' }), 201);
  return id;
}

export async function newTable(db: string, id = 'posts', extra: Record<string, unknown> = {}) {
  return ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: id, name: 'Posts', ...extra }), 201);
}

export const cols = (db: string, t = 'posts') => `/v1/tablesdb/${db}/tables/${t}/columns`;

/** One column of every type, with the variants each type takes. */
export const EVERY_TYPE: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
  ['string', { key: 'title', size: 64, required: true }, { type: 'string', size: 64, required: true, default: null, encrypt: false }, 'TEXT'],
  ['varchar', { key: 'slug', size: 32, required: false, default: 'x' }, { type: 'varchar', size: 32, default: 'x' }, 'TEXT'],
  ['text', { key: 'body', required: false, array: true }, { type: 'text', array: true, default: null }, 'TEXT'],
  ['mediumtext', { key: 'notes', required: false, default: 'n' }, { type: 'mediumtext', default: 'n' }, 'TEXT'],
  ['longtext', { key: 'raw', required: false, encrypt: true }, { type: 'longtext', encrypt: true }, 'TEXT'],
  ['integer', { key: 'views', required: false, min: 0, max: 1000, default: 5 }, { type: 'integer', min: 0, max: 1000, default: 5 }, 'INTEGER'],
  ['integer', { key: 'plain', required: false }, { type: 'integer', min: -9223372036854775808n, max: 9223372036854775807n, default: null }, 'INTEGER'],
  ['bigint', { key: 'big', required: false, min: 9007199254740993n, max: 9223372036854775807n, default: 9007199254740995n }, { type: 'bigint', min: 9007199254740993n, max: 9223372036854775807n, default: 9007199254740995n }, 'INTEGER'],
  ['float', { key: 'score', required: false, min: -1.5, max: 2.5, default: 0.5 }, { type: 'double', min: -1.5, max: 2.5, default: 0.5 }, 'REAL'],
  ['boolean', { key: 'published', required: false, default: false }, { type: 'boolean', default: false }, 'INTEGER'],
  ['datetime', { key: 'at', required: false, default: '2026-01-02T03:04:05Z' }, { type: 'datetime', format: 'datetime', default: '2026-01-02T03:04:05.000+00:00' }, 'TEXT'],
  ['email', { key: 'mail', required: false, default: 'a@example.com' }, { type: 'string', format: 'email', default: 'a@example.com' }, 'TEXT'],
  ['ip', { key: 'addr', required: false, default: '2001:db8::1' }, { type: 'string', format: 'ip', default: '2001:db8::1' }, 'TEXT'],
  ['url', { key: 'link', required: false, array: true }, { type: 'string', format: 'url', array: true }, 'TEXT'],
  ['enum', { key: 'state', required: false, elements: ['draft', 'live'], default: 'draft' }, { type: 'string', format: 'enum', elements: ['draft', 'live'], default: 'draft' }, 'TEXT'],
];

export const idx = (db: string, t = 'posts') => `/v1/tablesdb/${db}/tables/${t}/indexes`;

export async function columnsFor(db: string) {
  await newTable(db);
  await ok(await post(`${cols(db)}/string`, { key: 'title', size: 100, required: false }), 202);
  await ok(await post(`${cols(db)}/text`, { key: 'body', required: false }), 202);
  await ok(await post(`${cols(db)}/integer`, { key: 'views', required: false }), 202);
  await ok(await post(`${cols(db)}/string`, { key: 'tags', size: 10, required: false, array: true }), 202);
  return tableSeq(db, 'posts');
}
