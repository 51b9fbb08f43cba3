/** lib/query's test table (TEST_COLUMNS), declared the way the databases domain stores it. */
import { TEST_COLUMNS } from '../../lib/query/testing/fixture';
import type { ColumnDef, ColumnType, IndexDef, TableDef } from '../types';

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

/** A key index of the test table (see lib/query's TEST_INDEXES, which holds the same ones). */
function keyIndex(seq: number, columns: string[], orders: ('ASC' | 'DESC')[]): IndexDef {
  return { ...FULLTEXT, key: `i${seq}`, type: 'key', columns, orders, lengths: columns.map(() => null), sqlName: `t_900_i_${seq}` };
}

export const QUERY_TEST_TABLE: TableDef = {
  databaseId: 'db', id: 'things', seq: 900, name: 'Things', enabled: true, rowSecurity: false, permissions: [],
  sqlName: 't_900', permsSqlName: 't_900_perms', readRole: false,
  columns: TEST_COLUMNS.map((c) => column(c.key, c.array)),
  relationships: [],
  indexes: [FULLTEXT, keyIndex(2, ['count'], ['ASC']), keyIndex(3, ['flag', 'score'], ['ASC', 'DESC']), keyIndex(4, ['name'], ['DESC'])],
  createdAt: STAMP, updatedAt: STAMP,
};
