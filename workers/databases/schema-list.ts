/**
 * The schema lists (databases, tables, columns, indexes) as Appwrite queries them: SQL over the
 * metadata tables through the shared system-list adapter, with the attributes Appwrite's
 * `Databases`, `Tables`/`Collections`, `Columns`/`Attributes` and `Indexes` query validators
 * allow (plus `$id`, `$createdAt`, `$updatedAt`, `$sequence`). Tables, columns and indexes are
 * listed from a CTE scoped to their parent, so a cursor id is looked up in that parent only;
 * columns and indexes also show their model's values (wire type, status) to the filters.
 */
import { runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';
import type { FieldKind } from '../lib/query';
import type { Flavor } from './flavor';
import { WIRE_TYPES } from './schema-models';
import {
  columnsBySeq, databasesBySeq, getDatabase, indexesBySeq, loadTable, tablesBySeq,
} from './schema-store';

const DATABASES: SystemList = {
  noun: 'Database',
  target: systemTarget('databases', 'seq', { name: ['name', 'text'] }),
  search: 'search',
};

function tableList(flavor: Flavor): SystemList {
  return {
    noun: flavor === 'tablesdb' ? 'Table' : 'Collection',
    target: systemTarget('table_list', 'seq', {
      name: ['name', 'text'],
      enabled: ['enabled', 'boolean'],
      [flavor === 'tablesdb' ? 'rowSecurity' : 'documentSecurity']: ['row_security', 'boolean'],
    }),
    search: 'search',
    source: 'SELECT * FROM tables WHERE database_id = ?',
  };
}

/** Stored column type → the `type` its model shows (`float` is `double`, `email` a `string`, …). */
const wireTypeSql = `CASE type ${Object.entries(WIRE_TYPES)
  .filter(([stored, wire]) => stored !== wire.type)
  .map(([stored, wire]) => `WHEN '${stored}' THEN '${wire.type}'`)
  .join(' ')} ELSE type END`;

/** Null-order words: TablesDB says rows and column, the legacy API documents and attribute. */
const wording = (flavor: Flavor) => (flavor === 'tablesdb' ? { items: 'rows', column: 'column' } : { items: 'documents', column: 'attribute' });

/** What columns and indexes share: a key (their cursor id too), a type, and Appwrite's status and error. */
const KEYED: Record<string, [string, FieldKind]> = {
  key: ['key', 'text'], type: ['type', 'text'], status: ['status', 'text'], error: ['error', 'text'],
};

function columnList(flavor: Flavor): SystemList {
  return {
    noun: flavor === 'tablesdb' ? 'Column' : 'Attribute',
    wording: wording(flavor),
    target: systemTarget('column_list', 'seq', {
      ...KEYED, size: ['size', 'integer'], required: ['required', 'boolean'], array: ['array', 'boolean'],
    }),
    source: `SELECT seq, "key" AS id, "key", ${wireTypeSql} AS type, size, required, "array", 'available' AS status, '' AS error, created_at, updated_at FROM columns WHERE table_seq = ?`,
  };
}

function indexList(flavor: Flavor): SystemList {
  const members: [string, FieldKind, boolean] = ['columns', 'text', true];
  return {
    noun: 'Index',
    wording: wording(flavor),
    // Appwrite's validator says `attributes` in both APIs; the TablesDB model field is `columns`.
    target: systemTarget('index_list', 'seq', { ...KEYED, attributes: members, ...(flavor === 'tablesdb' ? { columns: members } : {}) }),
    source: `SELECT seq, "key" AS id, "key", type, 'available' AS status, '' AS error, columns, created_at, updated_at FROM indexes WHERE table_seq = ?`,
  };
}

const LISTS = {
  tablesdb: { tables: tableList('tablesdb'), columns: columnList('tablesdb'), indexes: indexList('tablesdb') },
  legacy: { tables: tableList('legacy'), columns: columnList('legacy'), indexes: indexList('legacy') },
};

export async function queryDatabases(db: D1Database, input: SystemListInput) {
  const { keys, total } = await runSystemList(db, DATABASES, input);
  return { total, databases: await databasesBySeq(db, keys) };
}

/** Unknown database → `database_not_found`. */
export async function queryTables(db: D1Database, flavor: Flavor, databaseId: string, input: SystemListInput) {
  await getDatabase(db, databaseId);
  const { keys, total } = await runSystemList(db, LISTS[flavor].tables, { ...input, sourceParams: [databaseId] });
  return { total, tables: await tablesBySeq(db, keys) };
}

/** Unknown database or table → the flavor's not-found error. Columns have no `search` (as in Appwrite). */
export async function queryColumns(db: D1Database, flavor: Flavor, databaseId: string, tableId: string, input: SystemListInput) {
  const table = await loadTable(db, databaseId, tableId, flavor);
  const { keys, total } = await runSystemList(db, LISTS[flavor].columns, { ...input, sourceParams: [table.seq] });
  return { total, columns: await columnsBySeq(db, keys), table };
}

/** Unknown database or table → the flavor's not-found error. Indexes have no `search` (as in Appwrite). */
export async function queryIndexes(db: D1Database, flavor: Flavor, databaseId: string, tableId: string, input: SystemListInput) {
  const table = await loadTable(db, databaseId, tableId, flavor);
  const { keys, total } = await runSystemList(db, LISTS[flavor].indexes, { ...input, sourceParams: [table.seq] });
  return { total, indexes: await indexesBySeq(db, keys) };
}
