/** The query view of a user table: its columns plus the system columns, with their fulltext tables. */
import { ftsColumnName, storageKind, SYSTEM_COLUMNS, type TableDef } from './types';
import type { IndexShape, QueryField, QueryTarget, RelatedTarget } from '../lib/query';
import { indexedColumnSql, READ_ROLE_COLUMN, SYSTEM_INDEXES } from './schema-sql';
import { isMany, linkColumns, linkTableName } from './relationships/types';

/** What `select` may name on a row besides its columns. */
export const ROW_SELECTABLE = ['$id', '$sequence', '$createdAt', '$updatedAt', '$permissions', '$tableId', '$collectionId', '$databaseId'] as const;

/** One target per table definition (definitions are immutable and cached per isolate). */
const targets = new WeakMap<TableDef, QueryTarget>();

export function queryTargetFor(table: TableDef): QueryTarget {
  let target = targets.get(table);
  if (!target) {
    target = buildTarget(table);
    targets.set(table, target);
  }
  return target;
}

/**
 * `queryTargetFor(table)` plus its relationships whose related definitions `related` holds (by
 * table id), so filters may name related columns (`author.name`, `author.books.title`, up to the
 * parser's depth). Built per request: the related definitions are the request's own.
 */
export function queryTargetWithRelations(table: TableDef, related: ReadonlyMap<string, TableDef>, depth = 3): QueryTarget {
  const base = queryTargetFor(table);
  if (depth === 0) return base;
  const relations: Record<string, RelatedTarget> = {};
  for (const rel of table.relationships) {
    const other = related.get(rel.relatedTableId);
    if (!rel.visible || !other) continue;
    const { own, other: otherColumn } = linkColumns(rel.side);
    relations[rel.key] = { link: { table: linkTableName(rel.seq), own, other: otherColumn }, target: queryTargetWithRelations(other, related, depth - 1) };
  }
  return Object.keys(relations).length ? { ...base, relations } : base;
}

function buildTarget(table: TableDef): QueryTarget {
  const fields: Record<string, QueryField> = {};
  for (const [key, sys] of Object.entries(SYSTEM_COLUMNS)) fields[key] = { column: sys.sqlName, kind: sys.kind, array: false, notNull: true };
  for (const col of table.columns) fields[col.key] = { column: col.sqlName, kind: storageKind(col.type), array: col.array };
  // Relationship columns filter by related row id through their link table (lib/query `link`).
  for (const rel of table.relationships) {
    if (!rel.visible) continue;
    const { own, other } = linkColumns(rel.side);
    fields[rel.key] = { column: SYSTEM_COLUMNS.$id.sqlName, kind: 'text', array: isMany(rel), link: { table: linkTableName(rel.seq), own, other } };
  }
  // The first fulltext index covering a key serves `search` on it.
  for (const index of table.indexes) {
    if (index.type !== 'fulltext') continue;
    index.columns.forEach((key, position) => {
      const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
      if (field && !field.fulltext) field.fulltext = { table: index.sqlName, column: ftsColumnName(position) };
    });
  }
  return {
    table: table.sqlName,
    fields,
    idColumn: SYSTEM_COLUMNS.$id.sqlName,
    seqColumn: SYSTEM_COLUMNS.$sequence.sqlName,
    selectable: ROW_SELECTABLE,
    indexes: indexShapes(table),
  };
}

/**
 * Every B-tree index of the table, system ones first, as the compiler weighs them for the
 * tiebreaker: on a table with the read-role column, key and system indexes end in `_seq, _read`
 * (schema-sql), unique ones keep their own columns.
 */
function indexShapes(table: TableDef): IndexShape[] {
  const asc = (column: string) => ({ column, direction: 'asc' as const });
  const tail = table.readRole ? [asc('_seq'), asc(READ_ROLE_COLUMN)] : [];
  const own = table.indexes
    .filter((i) => i.type !== 'fulltext')
    .map((i) => ({
      columns: [
        ...i.columns.map((key, n) => ({ column: indexedColumnSql(key), direction: i.orders[n] === 'DESC' ? ('desc' as const) : ('asc' as const) })),
        ...(i.type === 'key' ? tail : []),
      ],
    }));
  const system = SYSTEM_INDEXES.map((columns) => ({ columns: [...columns.map(asc), ...(table.readRole ? [asc(READ_ROLE_COLUMN)] : [])] }));
  return [...system, ...own];
}
