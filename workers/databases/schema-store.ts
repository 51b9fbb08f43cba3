/**
 * The metadata store of the Databases domain: databases, tables, columns and indexes, and the
 * real SQLite objects behind them. Every write that belongs together (metadata row + DDL) is one
 * `db.batch`, so a failed step leaves nothing behind. Every change to a table's definition (its
 * row, columns or indexes) replaces the table's random `version` token in the same batch; that
 * token is what table-cache.ts validates a cached definition against.
 *
 * Read side (used by the row store and the query compiler): `loadTable`, `getDatabase`; list pages
 * (schema-list.ts) load their rows with the `…BySeq` loaders.
 * Column and index writes live in column-store.ts and index-store.ts.
 */
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { formatPermissions, parsePermissions, type Permission } from '../lib/permissions';
import { inKeyOrder } from '../lib/system-list';
import { nowDate } from '../lib/time';
import { parseJsonBig, stringifyJsonBig, toIntValue } from '../lib/json-big';
import { flavoredError, type Flavor } from './flavor';
import { createTableSql, columnSqlName, CURRENT_LAYOUT, dropTableSql, indexSqlName, permsSqlName, tableSqlName } from './schema-sql';
import { dropLinkTableSql } from './relationships/link-sql';
import { relationsOf, RELATIONSHIP_ROWS_SQL, type RelationshipRow } from './relationships/defs';
import type { ColumnDef, ColumnType, IndexDef, TableDef } from './types';

export interface DatabaseDef {
  id: string;
  seq: number;
  name: string;
  enabled: boolean;
  /** Which API created it; both APIs serve both. */
  type: 'tablesdb' | 'legacy';
  createdAt: string;
  updatedAt: string;
}

/** Table-level permissions: `write` stands for create + update + delete. */
export const TABLE_ACTIONS = ['read', 'create', 'update', 'delete'] as const;

// ---- row shapes as D1 returns them -------------------------------------------------------------

interface DatabaseRow { seq: number; id: string; name: string; enabled: number; type: string; created_at: string; updated_at: string }
interface TableRow {
  seq: number; database_id: string; id: string; name: string; permissions: string; row_security: number;
  enabled: number; created_at: string; updated_at: string; version: string; layout: number;
}
export interface ColumnRow {
  seq: number; table_seq: number; key: string; type: string; size: number | null; required: number; array: number;
  default_value: string | null; min: string | null; max: string | null; elements: string | null; encrypt: number;
  created_at: string; updated_at: string;
}
export interface IndexRow {
  seq: number; table_seq: number; key: string; type: string; columns: string; orders: string; lengths: string;
  created_at: string; updated_at: string;
}

function toDatabaseDef(r: DatabaseRow): DatabaseDef {
  return {
    id: r.id, seq: r.seq, name: r.name, enabled: r.enabled === 1, type: r.type === 'legacy' ? 'legacy' : 'tablesdb',
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function parseBound(text: string | null, type: string): number | bigint | null {
  if (text === null) return null;
  return type === 'float' ? Number(text) : toIntValue(BigInt(text));
}

export function toColumnDef(r: ColumnRow): ColumnDef {
  return {
    key: r.key,
    type: r.type as ColumnType,
    size: r.size,
    required: r.required === 1,
    array: r.array === 1,
    default: r.default_value === null ? null : parseJsonBig(r.default_value),
    min: parseBound(r.min, r.type),
    max: parseBound(r.max, r.type),
    elements: r.elements === null ? null : (JSON.parse(r.elements) as string[]),
    encrypt: r.encrypt === 1,
    sqlName: columnSqlName(r.key),
    status: 'available',
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toIndexDef(r: IndexRow): IndexDef {
  const type = r.type as IndexDef['type'];
  return {
    key: r.key,
    type,
    columns: JSON.parse(r.columns) as string[],
    orders: JSON.parse(r.orders) as IndexDef['orders'],
    lengths: JSON.parse(r.lengths) as IndexDef['lengths'],
    sqlName: indexSqlName(r.table_seq, r.seq, type),
    status: 'available',
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toTableDef(t: TableRow, columns: ColumnRow[], indexes: IndexRow[], relations: RelationshipRow[]): TableDef {
  return {
    databaseId: t.database_id,
    id: t.id,
    seq: t.seq,
    name: t.name,
    enabled: t.enabled === 1,
    rowSecurity: t.row_security === 1,
    permissions: parsePermissions(JSON.parse(t.permissions) as string[], TABLE_ACTIONS),
    sqlName: tableSqlName(t.seq),
    permsSqlName: permsSqlName(t.seq),
    readRole: t.layout >= 1,
    // Relationship columns have no SQL column: they are `relationships`, not `columns`.
    columns: columns.filter((c) => c.table_seq === t.seq && c.type !== 'relationship').map(toColumnDef),
    relationships: relationsOf(t.seq, relations),
    indexes: indexes.filter((i) => i.table_seq === t.seq).map(toIndexDef),
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
}

/** A column's stored fields, encoded for binding. */
export function columnValues(c: Omit<ColumnDef, 'sqlName' | 'status'>) {
  return [
    c.key, c.type, c.size, c.required ? 1 : 0, c.array ? 1 : 0,
    c.default === null || c.default === undefined ? null : stringifyJsonBig(c.default),
    c.min === null ? null : String(c.min), c.max === null ? null : String(c.max),
    c.elements === null ? null : JSON.stringify(c.elements), c.encrypt ? 1 : 0, c.createdAt, c.updatedAt,
  ];
}

export const INSERT_COLUMN_SQL =
  'INSERT INTO columns (table_seq, "key", type, size, required, "array", default_value, min, max, elements, encrypt, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
export const INSERT_INDEX_SQL =
  'INSERT INTO indexes (seq, table_seq, "key", type, columns, orders, lengths, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** SQL for a fresh table version token (see migrations/0007_table_version.sql). */
const NEW_VERSION_SQL = 'lower(hex(randomblob(8)))';

/** The next AUTOINCREMENT value of a metadata table, so DDL can name objects in the same batch. */
export async function nextSeq(db: D1Database, table: 'tables' | 'indexes' | 'relationships'): Promise<number> {
  const row = await db
    .prepare(`SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0) + 1 AS next, COALESCE((SELECT MAX(seq) FROM ${table}), 0) + 1 AS fallback`)
    .bind(table)
    .first<{ next: number; fallback: number }>();
  return Math.max(row?.next ?? 1, row?.fallback ?? 1);
}

/** True when a batch failed because a concurrent write took the same sequence number. */
export function isSeqClash(err: unknown): boolean {
  return /UNIQUE constraint failed: (tables|indexes|relationships)\.seq|already exists/i.test(String(err));
}

// ---- databases ---------------------------------------------------------------------------------

export async function getDatabase(db: D1Database, databaseId: string): Promise<DatabaseDef> {
  const row = await db.prepare('SELECT * FROM databases WHERE id = ?').bind(databaseId).first<DatabaseRow>();
  if (!row) throw new ApiError('database_not_found', undefined, databaseId);
  return toDatabaseDef(row);
}

export async function createDatabase(
  db: D1Database,
  input: { id: string; name: string; enabled: boolean; type: DatabaseDef['type'] },
): Promise<DatabaseDef> {
  const now = nowDate();
  try {
    const row = await db
      .prepare('INSERT INTO databases (id, name, enabled, type, search, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *')
      .bind(input.id, input.name, input.enabled ? 1 : 0, input.type, `${input.id} ${input.name}`, now, now)
      .first<DatabaseRow>();
    return toDatabaseDef(row!);
  } catch (err) {
    if (uniqueViolationText(err)) throw new ApiError('database_already_exists', undefined, input.id);
    throw err;
  }
}

export async function updateDatabase(db: D1Database, databaseId: string, input: { name: string; enabled: boolean }): Promise<DatabaseDef> {
  const row = await db
    .prepare('UPDATE databases SET name = ?, enabled = ?, search = id || \' \' || ?, updated_at = ? WHERE id = ? RETURNING *')
    .bind(input.name, input.enabled ? 1 : 0, input.name, nowDate(), databaseId)
    .first<DatabaseRow>();
  if (!row) throw new ApiError('database_not_found', undefined, databaseId);
  return toDatabaseDef(row);
}

/** Drops every table of the database with its metadata, in one batch. */
export async function deleteDatabase(db: D1Database, databaseId: string): Promise<DatabaseDef> {
  const database = await getDatabase(db, databaseId);
  const tables = await listTables(db, databaseId);
  const statements = tables.flatMap((t) => [...dropTableSql(t.seq, t.indexes).map((s) => db.prepare(s)), ...deleteTableMetadata(db, t.seq)]);
  const links = new Set(tables.flatMap((t) => t.relationships.map((r) => r.seq)));
  statements.push(...[...links].map((seq) => db.prepare(dropLinkTableSql(seq))));
  statements.push(db.prepare('DELETE FROM relationships WHERE database_id = ?').bind(databaseId));
  statements.push(db.prepare('DELETE FROM databases WHERE id = ?').bind(databaseId));
  await db.batch(statements);
  return database;
}

// ---- tables ------------------------------------------------------------------------------------

/**
 * The table with its columns and indexes, for one request. Unknown database → `database_not_found`;
 * unknown table → `table_not_found` (TablesDB) or `collection_not_found` (legacy).
 */
export async function loadTable(db: D1Database, databaseId: string, tableId: string, flavor: Flavor = 'tablesdb'): Promise<TableDef> {
  return (await loadTableState(db, databaseId, tableId, flavor)).table;
}

export interface TableState {
  table: TableDef;
  /** The table's version token when it was read. */
  version: string;
  databaseEnabled: boolean;
}

/** `loadTable` plus what a row operation needs to cache and gate it, in the same one round trip. */
export async function loadTableState(db: D1Database, databaseId: string, tableId: string, flavor: Flavor = 'tablesdb'): Promise<TableState> {
  const [dbs, tables, columns, indexes, relations] = await db.batch([
    db.prepare('SELECT id, enabled FROM databases WHERE id = ?').bind(databaseId),
    db.prepare('SELECT * FROM tables WHERE database_id = ? AND id = ?').bind(databaseId, tableId),
    db.prepare('SELECT c.* FROM columns c JOIN tables t ON c.table_seq = t.seq WHERE t.database_id = ? AND t.id = ? ORDER BY c.seq').bind(databaseId, tableId),
    db.prepare('SELECT i.* FROM indexes i JOIN tables t ON i.table_seq = t.seq WHERE t.database_id = ? AND t.id = ? ORDER BY i.seq').bind(databaseId, tableId),
    db.prepare(`${RELATIONSHIP_ROWS_SQL} WHERE r.database_id = ?1 AND (pt.id = ?2 OR ct.id = ?2) ORDER BY r.seq`).bind(databaseId, tableId),
  ]);
  if (dbs.results.length === 0) throw new ApiError('database_not_found', undefined, databaseId);
  const table = tables.results[0] as TableRow | undefined;
  if (!table) throw flavoredError(flavor, 'tableNotFound', undefined, tableId);
  return {
    table: toTableDef(table, columns.results as ColumnRow[], indexes.results as IndexRow[], relations.results as RelationshipRow[]),
    version: table.version,
    databaseEnabled: (dbs.results[0] as { enabled: number }).enabled === 1,
  };
}

/** Every table of a database (creation order), with columns and indexes. */
export async function listTables(db: D1Database, databaseId: string): Promise<TableDef[]> {
  const [dbs, tables, columns, indexes, relations] = await db.batch([
    db.prepare('SELECT id FROM databases WHERE id = ?').bind(databaseId),
    db.prepare('SELECT * FROM tables WHERE database_id = ? ORDER BY seq').bind(databaseId),
    db.prepare('SELECT c.* FROM columns c JOIN tables t ON c.table_seq = t.seq WHERE t.database_id = ? ORDER BY c.seq').bind(databaseId),
    db.prepare('SELECT i.* FROM indexes i JOIN tables t ON i.table_seq = t.seq WHERE t.database_id = ? ORDER BY i.seq').bind(databaseId),
    db.prepare(`${RELATIONSHIP_ROWS_SQL} WHERE r.database_id = ? ORDER BY r.seq`).bind(databaseId),
  ]);
  if (dbs.results.length === 0) throw new ApiError('database_not_found', undefined, databaseId);
  const rels = relations.results as RelationshipRow[];
  return (tables.results as TableRow[]).map((t) => toTableDef(t, columns.results as ColumnRow[], indexes.results as IndexRow[], rels));
}

export interface TableInput {
  id: string;
  name: string;
  permissions: string[];
  rowSecurity: boolean;
  enabled: boolean;
}

/**
 * Creates the metadata row, `t_<seq>` and `t_<seq>_perms` in one batch. `extra` adds statements
 * for inline columns/indexes (built by column-store/index-store against the chosen seq).
 */
export async function createTable(
  db: D1Database,
  flavor: Flavor,
  databaseId: string,
  input: TableInput,
  extra: (tableSeq: number, now: string) => Promise<D1PreparedStatement[]> = async () => [],
): Promise<TableDef> {
  await getDatabase(db, databaseId);
  const permissions = formatPermissions(parsePermissions(input.permissions, TABLE_ACTIONS));
  const existing = await db.prepare('SELECT 1 FROM tables WHERE database_id = ? AND id = ?').bind(databaseId, input.id).first();
  if (existing) throw flavoredError(flavor, 'tableExists', undefined, input.id);
  for (let attempt = 0; ; attempt++) {
    const seq = await nextSeq(db, 'tables');
    const now = nowDate();
    const statements = [
      db
        .prepare(`INSERT INTO tables (seq, database_id, id, name, permissions, row_security, enabled, search, created_at, updated_at, version, layout) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${NEW_VERSION_SQL}, ?)`)
        .bind(seq, databaseId, input.id, input.name, JSON.stringify(permissions), input.rowSecurity ? 1 : 0, input.enabled ? 1 : 0, `${input.id} ${input.name}`, now, now, CURRENT_LAYOUT),
      ...createTableSql(seq).map((s) => db.prepare(s)),
      ...(await extra(seq, now)),
    ];
    try {
      await db.batch(statements);
      return loadTable(db, databaseId, input.id, flavor);
    } catch (err) {
      if (/UNIQUE constraint failed: tables\.database_id/.test(uniqueViolationText(err) ?? '')) throw flavoredError(flavor, 'tableExists', undefined, input.id);
      if (attempt < 3 && isSeqClash(err)) continue;
      throw err;
    }
  }
}

export async function updateTable(
  db: D1Database,
  flavor: Flavor,
  databaseId: string,
  tableId: string,
  input: { name: string; permissions: string[] | null; rowSecurity: boolean; enabled: boolean },
): Promise<TableDef> {
  const table = await loadTable(db, databaseId, tableId, flavor);
  const permissions = input.permissions === null ? formatPermissions(table.permissions) : formatPermissions(parsePermissions(input.permissions, TABLE_ACTIONS));
  await db
    .prepare(`UPDATE tables SET name = ?, permissions = ?, row_security = ?, enabled = ?, search = ?, updated_at = ?, version = ${NEW_VERSION_SQL} WHERE seq = ?`)
    .bind(input.name, JSON.stringify(permissions), input.rowSecurity ? 1 : 0, input.enabled ? 1 : 0, `${tableId} ${input.name}`, nowDate(), table.seq)
    .run();
  return loadTable(db, databaseId, tableId, flavor);
}

function deleteTableMetadata(db: D1Database, tableSeq: number): D1PreparedStatement[] {
  return [
    db.prepare('DELETE FROM columns WHERE table_seq = ?').bind(tableSeq),
    db.prepare('DELETE FROM indexes WHERE table_seq = ?').bind(tableSeq),
    db.prepare('DELETE FROM tables WHERE seq = ?').bind(tableSeq),
  ];
}

/** Drops the table, its permission rows, FTS tables and metadata in one batch; returns what was dropped. */
export async function deleteTable(db: D1Database, flavor: Flavor, databaseId: string, tableId: string): Promise<TableDef> {
  const table = await loadTable(db, databaseId, tableId, flavor);
  await db.batch([
    ...dropTableSql(table.seq, table.indexes).map((s) => db.prepare(s)),
    ...deleteTableMetadata(db, table.seq),
    ...dropRelationsStatements(db, table),
  ]);
  return table;
}

/**
 * As in Appwrite, a dropped table takes its relationships with it: their link tables, their
 * metadata, and the twin columns on the related tables (whose definitions change, so are touched).
 */
function dropRelationsStatements(db: D1Database, table: TableDef): D1PreparedStatement[] {
  const now = nowDate();
  const seqs = [...new Set(table.relationships.map((r) => r.seq))];
  const others = [...new Set(table.relationships.map((r) => r.relatedTableSeq).filter((s) => s !== table.seq))];
  return [
    ...seqs.map((seq) => db.prepare(dropLinkTableSql(seq))),
    ...seqs.map((seq) => db.prepare(`DELETE FROM columns WHERE type = 'relationship' AND json_extract(options, '$.relation') = ?`).bind(seq)),
    ...seqs.map((seq) => db.prepare('DELETE FROM relationships WHERE seq = ?').bind(seq)),
    ...others.map((seq) => touchTable(db, seq, now)),
  ];
}

/**
 * Bumps the table's `updated_at`, as a column or index change does in Appwrite, and replaces its
 * version token so cached definitions are refused. Every definition change must batch it.
 */
export function touchTable(db: D1Database, tableSeq: number, now: string): D1PreparedStatement {
  return db.prepare(`UPDATE tables SET updated_at = ?, version = ${NEW_VERSION_SQL} WHERE seq = ?`).bind(now, tableSeq);
}

// ---- list pages: metadata rows by internal sequence, in the order given -----------------------

const IN_SEQS = 'IN (SELECT value FROM json_each(?))';

async function rowsBySeq<R extends { seq: number }>(db: D1Database, table: 'databases' | 'columns' | 'indexes', seqs: number[]): Promise<R[]> {
  if (!seqs.length) return [];
  const { results } = await db.prepare(`SELECT * FROM ${table} WHERE seq ${IN_SEQS}`).bind(JSON.stringify(seqs)).all<R>();
  return inKeyOrder(seqs, results, (r) => r.seq);
}

export async function databasesBySeq(db: D1Database, seqs: number[]): Promise<DatabaseDef[]> {
  return (await rowsBySeq<DatabaseRow>(db, 'databases', seqs)).map(toDatabaseDef);
}

export async function columnsBySeq(db: D1Database, seqs: number[]): Promise<ColumnDef[]> {
  return (await rowsBySeq<ColumnRow>(db, 'columns', seqs)).map(toColumnDef);
}

export async function indexesBySeq(db: D1Database, seqs: number[]): Promise<IndexDef[]> {
  return (await rowsBySeq<IndexRow>(db, 'indexes', seqs)).map(toIndexDef);
}

/** Tables with their columns and indexes. */
export async function tablesBySeq(db: D1Database, seqs: number[]): Promise<TableDef[]> {
  if (!seqs.length) return [];
  const list = JSON.stringify(seqs);
  const [tables, columns, indexes, relations] = await db.batch([
    db.prepare(`SELECT * FROM tables WHERE seq ${IN_SEQS}`).bind(list),
    db.prepare(`SELECT * FROM columns WHERE table_seq ${IN_SEQS} ORDER BY seq`).bind(list),
    db.prepare(`SELECT * FROM indexes WHERE table_seq ${IN_SEQS} ORDER BY seq`).bind(list),
    db.prepare(`${RELATIONSHIP_ROWS_SQL} WHERE r.parent_table_seq ${IN_SEQS} OR r.child_table_seq ${IN_SEQS} ORDER BY r.seq`).bind(list, list),
  ]);
  const rels = relations.results as RelationshipRow[];
  const defs = (tables.results as TableRow[]).map((t) => toTableDef(t, columns.results as ColumnRow[], indexes.results as IndexRow[], rels));
  return inKeyOrder(seqs, defs, (t) => t.seq);
}

export type { Permission };
