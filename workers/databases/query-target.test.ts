import { describe, expect, it } from 'vitest';
import { TEST_TARGET } from '../lib/query/testing/fixture';
import { queryTargetFor } from './query-target';
import { QUERY_TEST_TABLE as TABLE } from './testing/query-table';

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
