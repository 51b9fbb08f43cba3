/**
 * Index writes: metadata row + the real SQLite index (key/unique) or FTS5 table with its
 * triggers (fulltext), in one batch.
 */
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { nowDate } from '../lib/time';
import { flavoredError, type Flavor } from './flavor';
import { INSERT_INDEX_SQL, isSeqClash, loadTable, nextSeq, touchTable } from './schema-store';
import { createIndexSql, dropIndexSql, indexSqlName } from './schema-sql';
import type { ColumnDef, IndexDef, TableDef } from './types';

/** Indexes per table (Appwrite's MariaDB limit; SQLite has none of its own). */
export const MAX_INDEXES = 64;

const TEXT_TYPES = new Set(['string', 'varchar', 'text', 'mediumtext', 'longtext', 'email', 'enum', 'ip', 'url']);
/** `$sequence` is the rowid: already ordered, never worth an index. */
const INDEXABLE_SYSTEM = new Set(['$id', '$createdAt', '$updatedAt']);

export interface IndexInput {
  key: string;
  type: IndexDef['type'];
  columns: string[];
  orders: ('ASC' | 'DESC')[];
  lengths: (number | null)[];
}

/** Appwrite's index rules, against the table's columns (and the inline columns of a new table). */
export function checkIndex(
  flavor: Flavor,
  tableId: string,
  columns: Pick<ColumnDef, 'key' | 'type' | 'array'>[],
  existing: Pick<IndexDef, 'key'>[],
  input: IndexInput,
): void {
  if (existing.length >= MAX_INDEXES) throw flavoredError(flavor, 'indexLimit', undefined, tableId);
  if (existing.some((i) => i.key.toLowerCase() === input.key.toLowerCase())) throw flavoredError(flavor, 'indexExists', undefined, input.key);
  if (input.columns.length === 0) throw flavoredError(flavor, 'indexInvalid', 'No attributes provided for index');
  if (new Set(input.columns.map((c) => c.toLowerCase())).size !== input.columns.length) {
    throw flavoredError(flavor, 'indexInvalid', 'Duplicate attributes provided');
  }
  if (input.orders.length > input.columns.length || input.lengths.length > input.columns.length) {
    throw flavoredError(flavor, 'indexInvalid', 'Invalid index orders or lengths: at most one per attribute');
  }
  for (const key of input.columns) {
    if (INDEXABLE_SYSTEM.has(key)) {
      if (input.type === 'fulltext' && key !== '$id') {
        throw flavoredError(flavor, 'indexInvalid', `Attribute "${key}" cannot be part of a fulltext index, must be of type string`);
      }
      continue;
    }
    const column = columns.find((c) => c.key === key);
    if (!column) throw flavoredError(flavor, 'columnUnknown', undefined, key);
    // Appwrite refuses these with index_invalid in both APIs.
    if (column.array) throw new ApiError('index_invalid', 'Creating indexes on array attributes is not currently supported.');
    if (input.type === 'fulltext' && !TEXT_TYPES.has(column.type)) {
      throw flavoredError(flavor, 'indexInvalid', `Attribute "${key}" cannot be part of a fulltext index, must be of type string`);
    }
  }
}

/** The stored definition: one length per column (null when none), orders as given. */
export function buildIndexDef(tableSeq: number, indexSeq: number, input: IndexInput, now: string): IndexDef {
  return {
    key: input.key,
    type: input.type,
    columns: input.columns,
    orders: input.orders,
    lengths: input.columns.map((_, i) => input.lengths[i] || null),
    sqlName: indexSqlName(tableSeq, indexSeq, input.type),
    status: 'available',
    createdAt: now,
    updatedAt: now,
  };
}

/** Metadata insert + DDL for one index; `readRole`: the table has the read-role column (schema-sql). */
export function indexStatements(db: D1Database, tableSeq: number, indexSeq: number, index: IndexDef, readRole: boolean): D1PreparedStatement[] {
  return [
    db.prepare(INSERT_INDEX_SQL).bind(
      indexSeq, tableSeq, index.key, index.type, JSON.stringify(index.columns), JSON.stringify(index.orders),
      JSON.stringify(index.lengths), index.createdAt, index.updatedAt,
    ),
    ...createIndexSql(tableSeq, index, readRole).map((s) => db.prepare(s)),
  ];
}

function uniqueViolation(flavor: Flavor, err: unknown): ApiError | null {
  const text = uniqueViolationText(err);
  if (!text || /indexes\.|tables\./.test(text)) return null;
  return flavoredError(flavor, 'indexInvalid', 'Existing rows hold duplicate values for the unique index');
}

export async function createIndex(db: D1Database, flavor: Flavor, databaseId: string, tableId: string, input: IndexInput): Promise<IndexDef> {
  const table = await loadTable(db, databaseId, tableId, flavor);
  checkIndex(flavor, tableId, table.columns, table.indexes, input);
  for (let attempt = 0; ; attempt++) {
    const seq = await nextSeq(db, 'indexes');
    const now = nowDate();
    const index = buildIndexDef(table.seq, seq, input, now);
    try {
      await db.batch([...indexStatements(db, table.seq, seq, index, table.readRole), touchTable(db, table.seq, now)]);
      return index;
    } catch (err) {
      if (/UNIQUE constraint failed: indexes\.table_seq/.test(uniqueViolationText(err) ?? '')) throw flavoredError(flavor, 'indexExists', undefined, input.key);
      const unique = uniqueViolation(flavor, err);
      if (unique) throw unique;
      if (attempt < 3 && isSeqClash(err)) continue;
      throw err;
    }
  }
}

export function findIndex(flavor: Flavor, table: TableDef, key: string): IndexDef {
  const index = table.indexes.find((i) => i.key === key);
  if (!index) throw flavoredError(flavor, 'indexNotFound', undefined, key);
  return index;
}

/** The SQL seq an index name was built from (`t_<table>_i_<seq>` / `t_<table>_fts_<seq>`). */
export function indexSeqOf(index: IndexDef): number {
  return Number(index.sqlName.slice(index.sqlName.lastIndexOf('_') + 1));
}

export function dropIndexStatements(db: D1Database, tableSeq: number, index: IndexDef): D1PreparedStatement[] {
  return [
    ...dropIndexSql(index).map((s) => db.prepare(s)),
    db.prepare('DELETE FROM indexes WHERE seq = ? AND table_seq = ?').bind(indexSeqOf(index), tableSeq),
  ];
}

export async function deleteIndex(db: D1Database, flavor: Flavor, databaseId: string, tableId: string, key: string): Promise<IndexDef> {
  const table = await loadTable(db, databaseId, tableId, flavor);
  const index = findIndex(flavor, table, key);
  await db.batch([...dropIndexStatements(db, table.seq, index), touchTable(db, table.seq, nowDate())]);
  return index;
}
