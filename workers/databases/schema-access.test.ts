import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { errorOf } from '../../test/helpers';
import { json, post, get, del, ok, sql, newDb, newTable, cols } from './testing/schema-api';

// Who may change the schema; schema lists and events.

describe('who may change the schema', () => {
  it('refuses guests, and keys without the scope, and changes nothing', async () => {
    const db = await newDb();
    await newTable(db);
    const reader = await ok<{ secret: string }>(await post('/v1/project/keys', { keyId: 'unique()', name: 'reader', scopes: ['tables.read', 'databases.read'] }), 201);
    const guest = await errorOf(await post(`${cols(db)}/string`, { key: 'x', size: 5, required: false }, null));
    expect([guest.status, guest.type]).toEqual([401, 'general_unauthorized_scope']);
    expect((await errorOf(await get(`/v1/tablesdb/${db}/tables`, null))).type).toBe('general_unauthorized_scope');
    expect((await errorOf(await post('/v1/tablesdb', { databaseId: 'unique()', name: 'x' }, null))).type).toBe('general_unauthorized_scope');
    const scoped = await errorOf(await post(`/v1/tablesdb/${db}/tables`, { tableId: 'x', name: 'x' }, reader.secret));
    expect([scoped.status, scoped.type]).toEqual([401, 'general_unauthorized_scope']);
    expect((await errorOf(await post(`${cols(db)}/string`, { key: 'x', size: 5, required: false }, reader.secret))).type).toBe('general_unauthorized_scope');
    expect((await errorOf(await del(`/v1/tablesdb/${db}`, reader.secret))).type).toBe('general_unauthorized_scope');
    // The reader may read.
    expect((await ok<{ total: number }>(await get(`/v1/tablesdb/${db}/tables`, reader.secret))).total).toBe(1);
    expect((await sql('SELECT "key" FROM columns c JOIN tables t ON c.table_seq = t.seq WHERE t.database_id = ?', db)).length).toBe(0);
    expect((await sql('SELECT id FROM tables WHERE database_id = ?', db)).length).toBe(1);
  });
});

describe('schema lists and events', () => {
  it('filters, orders, pages and refuses unknown query attributes', async () => {
    const db = await newDb();
    for (const id of ['a', 'b', 'c']) await newTable(db, id);
    const q = (...queries: unknown[]) => queries.map((x, i) => `queries[${i}]=${encodeURIComponent(json(x))}`).join('&');
    const page = await ok<{ total: number; tables: { $id: string }[] }>(
      await get(`/v1/tablesdb/${db}/tables?${q({ method: 'orderDesc', attribute: '$id' }, { method: 'limit', values: [2] }, { method: 'offset', values: [1] })}`),
    );
    expect([page.total, page.tables.map((t) => t.$id)]).toEqual([3, ['b', 'a']]);
    const after = await ok<{ tables: { $id: string }[] }>(await get(`/v1/tablesdb/${db}/tables?${q({ method: 'cursorAfter', values: ['a'] })}`));
    expect(after.tables.map((t) => t.$id)).toEqual(['b', 'c']);
    const noTotal = await ok<{ total: number; tables: unknown[] }>(await get(`/v1/tablesdb/${db}/tables?total=false`));
    expect([noTotal.total, noTotal.tables.length]).toEqual([0, 3]);
    expect((await errorOf(await get(`/v1/tablesdb/${db}/tables?${q({ method: 'equal', attribute: 'secret', values: [1] })}`))).type).toBe('general_query_invalid');
    expect((await errorOf(await get(`/v1/tablesdb/${db}/tables?${q({ method: 'cursorAfter', values: ['zz'] })}`))).type).toBe('general_cursor_not_found');
  });

  it('publishes both names of a schema event after the write', async () => {
    const send = vi.spyOn(env.EVENTS, 'sendBatch');
    try {
      const db = await newDb();
      await newTable(db, 'ev');
      await ok(await post(`${cols(db, 'ev')}/integer`, { key: 'n', required: false }), 202);
      await vi.waitFor(() => {
        const names = send.mock.calls.flatMap(([messages]) => [...messages].flatMap((m) => (m.body as { events: string[] }).events));
        expect(names).toContain(`databases.${db}.create`);
        expect(names).toContain(`databases.${db}.tables.ev.create`);
        expect(names).toContain(`databases.${db}.collections.ev.create`);
        expect(names).toContain(`databases.${db}.tables.ev.columns.n.create`);
        expect(names).toContain(`databases.${db}.collections.ev.attributes.n.create`);
      });
    } finally {
      send.mockRestore();
    }
  });
});
