/**
 * The onDelete planner on its own: Appwrite's restrict/cascade matrix per type and side, and the
 * in-batch re-check that fails a delete when a link appears between planning and the batch.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { TABLES_API } from '../row-values';
import { loadTable } from '../schema-store';
import { newDb, ok, post, sql, tableSeq } from '../testing/schema-api';
import { cascades, deleteRelationsPlan, isRestrictGuard, restricts } from './delete';
import type { RelationType, Side } from './types';

describe('Appwrite’s onDelete matrix', () => {
  const cases: [RelationType, Side, boolean, boolean][] = [
    // type, side, restricted, cascades
    ['oneToOne', 'parent', true, true],
    ['oneToOne', 'child', true, true],
    ['oneToMany', 'parent', true, true],
    ['oneToMany', 'child', false, false],
    ['manyToOne', 'parent', false, false],
    ['manyToOne', 'child', true, true],
    ['manyToMany', 'parent', true, false],
    ['manyToMany', 'child', false, false],
  ];
  it.each(cases)('%s on the %s side: restricted %s, cascades %s', (type, side, restricted, cascading) => {
    expect(restricts({ type, side })).toBe(restricted);
    expect(cascades({ type, side })).toBe(cascading);
  });
});

describe('the restrict re-check inside the delete batch', () => {
  it('a link added after planning fails the batch, and nothing is deleted', async () => {
    const db = await newDb();
    for (const id of ['authors', 'posts']) {
      await ok(await post(`/v1/tablesdb/${db}/tables`, { tableId: id, name: id }), 201);
      await ok(await post(`/v1/tablesdb/${db}/tables/${id}/columns/string`, { key: 'n', size: 8, required: false }), 202);
    }
    await ok(await post(`/v1/tablesdb/${db}/tables/posts/columns/relationship`, { relatedTableId: 'authors', type: 'manyToOne', key: 'author', onDelete: 'restrict' }), 202);
    await ok(await post(`/v1/tablesdb/${db}/tables/authors/rows`, { rowId: 'a', data: { n: 'a' } }), 201);
    await ok(await post(`/v1/tablesdb/${db}/tables/posts/rows`, { rowId: 'p', data: { n: 'p' } }), 201);
    const authors = await loadTable(env.DB, db, 'authors');
    const planned = await deleteRelationsPlan(env.DB, TABLES_API, authors, ['a']);
    const [{ seq }] = await sql<{ seq: number }>('SELECT seq FROM relationships WHERE database_id = ?', db);
    await env.DB.prepare(`INSERT INTO r_${seq} (p, c) VALUES ('p', 'a')`).run();
    const t = await tableSeq(db, 'authors');
    const failure = await env.DB.batch([...planned, env.DB.prepare(`DELETE FROM t_${t} WHERE _uid = 'a'`)]).then(() => null, (e: unknown) => e);
    expect(isRestrictGuard(failure)).toBe(true);
    expect(await sql(`SELECT _uid FROM t_${t}`)).toEqual([{ _uid: 'a' }]);
    expect(await sql(`SELECT p, c FROM r_${seq}`)).toEqual([{ p: 'p', c: 'a' }]);
  });
});
