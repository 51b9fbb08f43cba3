import { describe, expect, it } from 'vitest';
import { TEST_COLUMNS, TEST_TARGET } from '../lib/query/testing/fixture';
import { queryTargetFor } from './query-target';
import type { ColumnDef, ColumnType, IndexDef, TableDef } from './types';

/** lib/query's test table, declared the way the databases domain stores it. */
const STAMP = '2026-01-01T00:00:00.000+00:00';
const TYPE: Record<string, ColumnType> = { title: 'string', name: 'string', count: 'bigint', score: 'float', flag: 'boolean', when: 'datetime', tags: 'string', nums: 'integer' };

function column(key: string, array: boolean): ColumnDef {
  const type = TYPE[key];
  return {
    key, type, array, size: type === 'string' ? 256 : null, required: false, default: null,
    min: null, max: null, elements: null, encrypt: false, sqlName: `c_${key}`, status: 'available', createdAt: STAMP, updatedAt: STAMP,
  };
}

const FULLTEXT: IndexDef = {
  key: 'title_search', type: 'fulltext', columns: ['title'], orders: [null], lengths: [null],
  sqlName: 't_900_fts_1', status: 'available', createdAt: STAMP, updatedAt: STAMP,
};

const TABLE: TableDef = {
  databaseId: 'db', id: 'things', seq: 900, name: 'Things', enabled: true, rowSecurity: false, permissions: [],
  sqlName: 't_900', permsSqlName: 't_900_perms',
  columns: TEST_COLUMNS.map((c) => column(c.key, c.array)),
  indexes: [FULLTEXT],
  createdAt: STAMP, updatedAt: STAMP,
};

const target = () => queryTargetFor(TABLE);

describe('queryTargetFor', () => {
  it('yields exactly the query tests\' target for the same table', () => {
    expect(target()).toEqual(TEST_TARGET);
  });

  it('maps a TableDef to a query target', () => {
    expect(target().table).toBe('t_900');
    expect(target().fields.$id).toEqual({ column: '_uid', kind: 'text', array: false, notNull: true });
    expect(target().fields.$createdAt.kind).toBe('datetime');
    expect(target().fields.count).toEqual({ column: 'c_count', kind: 'integer', array: false });
    expect(target().fields.flag.kind).toBe('boolean');
    expect(target().fields.tags).toEqual({ column: 'c_tags', kind: 'text', array: true });
    expect(target().fields.title.fulltext).toEqual({ table: 't_900_fts_1', column: 'f0' });
    expect(target().fields.name.fulltext).toBeUndefined();
  });

  it('finds a column in a multi-column fulltext index', () => {
    const both = { ...TABLE.indexes[0], key: 'both', columns: ['name', 'title'], orders: [null, null], lengths: [null, null], sqlName: 't_900_fts_2' };
    const t = queryTargetFor({ ...TABLE, indexes: [both, TABLE.indexes[0]] });
    expect(t.fields.name.fulltext).toEqual({ table: 't_900_fts_2', column: 'f0' });
    expect(t.fields.title.fulltext).toEqual({ table: 't_900_fts_2', column: 'f1' });
  });

});
