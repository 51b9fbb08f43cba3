/**
 * Issue 10, defects 5 and 7, and the bounds every request meets before a route parses it: a body
 * size per route family, a JSON depth bound, and strings checked against their schema's size
 * before any per-character work.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_BODY_LIMIT, MAX_JSON_DEPTH, bodyLimitFor, jsonDepthExceeds } from '../../workers/middleware/bounds';
import { checkRowData, TABLES_API } from '../../workers/databases/row-values';
import type { ColumnDef, TableDef } from '../../workers/databases/types';
import { browser } from '../browser';
import { call, errorOf, rootKey } from '../helpers';

const tooLarge = /^Request body too large/;

describe('body size per route family', () => {
  it('refuses an oversized body from its Content-Length, before reading it', async () => {
    const big = JSON.stringify({ userId: 'unique()', email: 'a@b.io', password: 'x'.repeat(DEFAULT_BODY_LIMIT) });
    const err = await errorOf(await call('/v1/users', { method: 'POST', key: rootKey(), body: big }));
    expect(err).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    expect(err.message).toMatch(tooLarge);
  });

  it('gives rows room for D1\'s 2 MB rows, and still bounds them (a 20 MB value is refused unparsed)', async () => {
    expect(bodyLimitFor('POST', '/v1/tablesdb/db/tables/t/rows')).toBeGreaterThan(2 * 1024 * 1024);
    const huge = `{"rowId":"r","data":{"title":"${'x'.repeat(20 * 1024 * 1024)}"}}`;
    const err = await errorOf(await call('/v1/tablesdb/db/tables/t/rows', { method: 'POST', key: rootKey(), body: huge }));
    expect(err).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    expect(err.message).toMatch(tooLarge);
  });

  it('counts a streamed body without Content-Length as it arrives', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await call('/v1/account/prefs', { method: 'PATCH', body: stream, headers: { 'Content-Type': 'application/json' }, duplex: 'half' } as RequestInit);
    const err = await errorOf(res);
    expect(err.message).toMatch(tooLarge);
  });

  it('leaves uploads to their streaming routes', () => {
    expect(bodyLimitFor('POST', '/v1/storage/buckets/b/files')).toBeNull();
    expect(bodyLimitFor('POST', '/v1/functions/f/deployments')).toBeNull();
    // Only the upload itself: a file's update and delete are JSON routes like any other.
    expect(bodyLimitFor('PUT', '/v1/storage/buckets/b/files/f')).toBe(DEFAULT_BODY_LIMIT);
    expect(bodyLimitFor('DELETE', '/v1/storage/buckets/b/files/f')).toBe(DEFAULT_BODY_LIMIT);
    expect(bodyLimitFor('POST', '/v1/account')).toBe(DEFAULT_BODY_LIMIT);
  });
});

describe('defect 7: JSON depth', () => {
  const nested = (depth: number) => `${'['.repeat(depth - 1)}{}${']'.repeat(depth - 1)}`;

  it('counts brackets outside strings only, and stops at the bound', () => {
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(jsonDepthExceeds(JSON.stringify({ a: '[[[[[[{{{{{{\\"[[[[' }), 2)).toBe(false);
    expect(jsonDepthExceeds('{"a":"\\\\"}', 1)).toBe(false);
  });

  it('refuses 10,000-deep prefs with a 400 instead of storing them and losing their event; 60 deep is fine', async () => {
    const email = `${crypto.randomUUID().slice(0, 10)}@example.com`;
    await call('/v1/users', { method: 'POST', key: rootKey(), json: { userId: 'unique()', email, password: 'a-good-password' } });
    const b = browser();
    expect((await b.req('/v1/account/sessions/email', { method: 'POST', json: { email, password: 'a-good-password' } })).status).toBe(201);
    const deep = `{"prefs":{"a":${nested(10_000)}}}`;
    const err = await errorOf(await b.req('/v1/account/prefs', { method: 'PATCH', body: deep }));
    expect(err).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    expect(err.message).toContain(`deeper than ${MAX_JSON_DEPTH}`);
    expect(await (await b.req('/v1/account/prefs')).json()).toEqual({});
    const ok = await b.req('/v1/account/prefs', { method: 'PATCH', body: `{"prefs":{"a":${nested(60)}}}` });
    expect(ok.status).toBe(200);
  });
});

describe('defect 5: string sizes are checked before per-character work', () => {
  afterEach(() => vi.restoreAllMocks());

  const column = (over: Partial<ColumnDef>): ColumnDef => ({
    key: 'title', type: 'string', size: 64, required: false, array: false, default: null, min: null, max: null,
    elements: null, encrypt: false, sqlName: 'c_title', status: 'available', createdAt: '', updatedAt: '',
    ...over,
  });
  const table = (col: ColumnDef): TableDef => ({ columns: [col] }) as unknown as TableDef;

  it('refuses a 1 MB value for a size-64 string, or a text column, without iterating or encoding it', () => {
    const iterate = vi.spyOn(String.prototype, Symbol.iterator);
    const encode = vi.spyOn(TextEncoder.prototype, 'encode');
    const huge = 'é'.repeat(1024 * 1024);
    expect(() => checkRowData(table(column({})), { title: huge }, { api: TABLES_API, mode: 'create', privileged: false })).toThrow(/no longer than 64 chars/);
    expect(() => checkRowData(table(column({ type: 'text', size: 65535 })), { title: 'x'.repeat(70_000) }, { api: TABLES_API, mode: 'create', privileged: false })).toThrow(/no longer than 65535 bytes/);
    expect(iterate).not.toHaveBeenCalled();
    expect(encode).not.toHaveBeenCalled();
  });
});
