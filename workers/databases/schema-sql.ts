/**
 * SQL names and DDL for user tables. Pure: returns SQL text, runs nothing. Every identifier is
 * built from an internal sequence number or a key that passed Appwrite's key rules, and is
 * checked again here before it is quoted, so no request text can reach the SQL.
 */
import { ftsColumnName, storageKind, SYSTEM_COLUMNS, type ColumnDef, type ColumnType, type IndexDef } from './types';

const SAFE_IDENTIFIER = /^[A-Za-z0-9_.-]{1,64}$/;

/** Double-quotes an identifier after checking it cannot break out of the quotes. */
export function ident(name: string): string {
  if (!SAFE_IDENTIFIER.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}

export const tableSqlName = (tableSeq: number) => `t_${tableSeq}`;
export const permsSqlName = (tableSeq: number) => `t_${tableSeq}_perms`;
export const columnSqlName = (key: string) => `c_${key}`;
export function indexSqlName(tableSeq: number, indexSeq: number, type: IndexDef['type']): string {
  return type === 'fulltext' ? `t_${tableSeq}_fts_${indexSeq}` : `t_${tableSeq}_i_${indexSeq}`;
}

/** The SQL column behind a key an index may name: a user column or `$id`/`$createdAt`/`$updatedAt`. */
export function indexedColumnSql(key: string): string {
  const system = SYSTEM_COLUMNS[key as keyof typeof SYSTEM_COLUMNS];
  return system ? system.sqlName : columnSqlName(key);
}

export function sqlType(type: ColumnType, array: boolean): 'TEXT' | 'INTEGER' | 'REAL' {
  if (array) return 'TEXT';
  switch (storageKind(type)) {
    case 'integer':
    case 'boolean':
      return 'INTEGER';
    case 'real':
      return 'REAL';
    default:
      return 'TEXT';
  }
}

/** The indexes every user table has (ascending columns), serving `$createdAt`/`$updatedAt` orders. */
export const SYSTEM_INDEXES = [['_createdAt', '_seq'], ['_updatedAt', '_seq']] as const;

/**
 * Each row's single read role: the role of its only `read` permission, '' when it has none, NULL
 * when it has several. Tables made since migration 0025 (`tables.layout` 1) carry it, and end
 * every key index in `_seq, _read`, so a list or a count under rowSecurity decides most rows from
 * the index entry alone — no probe of the permission side table (see lib/permissions
 * `permissionFilterSql`). `_seq` comes first so the index still orders ties by `_seq`.
 */
export const READ_ROLE_COLUMN = '_read';

/** The table layout new tables get (`tables.layout`): 1 = with `READ_ROLE_COLUMN`. */
export const CURRENT_LAYOUT = 1;

/** The columns an index appends on a table with the read-role column (none otherwise). */
const indexTail = (readRole: boolean) => (readRole ? ['_seq', READ_ROLE_COLUMN] : []);

/**
 * The user table and its permission side table. `(type, role, _seq)` serves the `EXISTS`
 * permission filter of lists; the primary key serves per-row lookups and deletes.
 */
export function createTableSql(tableSeq: number): string[] {
  const t = ident(tableSqlName(tableSeq));
  const p = ident(permsSqlName(tableSeq));
  const systemIndex = (columns: readonly string[]) => [...columns, READ_ROLE_COLUMN].join(', ');
  const [created, updated] = SYSTEM_INDEXES;
  return [
    `CREATE TABLE ${t} (_seq INTEGER PRIMARY KEY AUTOINCREMENT, _uid TEXT NOT NULL UNIQUE, _createdAt TEXT NOT NULL, _updatedAt TEXT NOT NULL, _permissions TEXT NOT NULL DEFAULT '[]', ${READ_ROLE_COLUMN} TEXT)`,
    `CREATE INDEX ${ident(`t_${tableSeq}_created`)} ON ${t} (${systemIndex(created)})`,
    `CREATE INDEX ${ident(`t_${tableSeq}_updated`)} ON ${t} (${systemIndex(updated)})`,
    `CREATE TABLE ${p} (_seq INTEGER NOT NULL, type TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (_seq, type, role)) WITHOUT ROWID`,
    `CREATE INDEX ${ident(`t_${tableSeq}_perms_role`)} ON ${p} (type, role, _seq)`,
  ];
}

/** Dropping the tables drops their indexes and triggers; FTS tables are separate objects. */
export function dropTableSql(tableSeq: number, indexes: Pick<IndexDef, 'type' | 'sqlName'>[]): string[] {
  return [
    ...indexes.filter((i) => i.type === 'fulltext').map((i) => `DROP TABLE IF EXISTS ${ident(i.sqlName)}`),
    `DROP TABLE IF EXISTS ${ident(tableSqlName(tableSeq))}`,
    `DROP TABLE IF EXISTS ${ident(permsSqlName(tableSeq))}`,
  ];
}

export function addColumnSql(tableSeq: number, column: Pick<ColumnDef, 'key' | 'type' | 'array'>): string {
  return `ALTER TABLE ${ident(tableSqlName(tableSeq))} ADD COLUMN ${ident(columnSqlName(column.key))} ${sqlType(column.type, column.array)}`;
}

export function dropColumnSql(tableSeq: number, key: string): string {
  return `ALTER TABLE ${ident(tableSqlName(tableSeq))} DROP COLUMN ${ident(columnSqlName(key))}`;
}

/** SQLite rewrites indexes and triggers that name the column, so FTS triggers follow a rename. */
export function renameColumnSql(tableSeq: number, from: string, to: string): string {
  return `ALTER TABLE ${ident(tableSqlName(tableSeq))} RENAME COLUMN ${ident(columnSqlName(from))} TO ${ident(columnSqlName(to))}`;
}

/**
 * A key/unique index is a real SQLite index (lengths have no SQLite meaning and are only kept).
 * A fulltext index is a contentless FTS5 table keyed by `_seq`, filled from the existing rows
 * and kept in sync by triggers: contentless tables need the old values to delete, which the
 * triggers have at hand.
 */
export function createIndexSql(tableSeq: number, index: Pick<IndexDef, 'type' | 'columns' | 'orders' | 'sqlName'>, readRole: boolean): string[] {
  const t = ident(tableSqlName(tableSeq));
  const name = ident(index.sqlName);
  const cols = index.columns.map((k) => ident(indexedColumnSql(k)));
  if (index.type !== 'fulltext') {
    // A unique index keeps its own columns: more would weaken what it holds unique.
    const tail = index.type === 'key' ? indexTail(readRole) : [];
    const parts = [...cols.map((c, i) => (index.orders[i] ? `${c} ${index.orders[i]}` : c)), ...tail];
    return [`CREATE ${index.type === 'unique' ? 'UNIQUE ' : ''}INDEX ${name} ON ${t} (${parts.join(', ')})`];
  }
  const fts = index.columns.map((_, i) => ident(ftsColumnName(i)));
  const ftsList = fts.join(', ');
  const newValues = cols.map((c) => `new.${c}`).join(', ');
  const oldValues = cols.map((c) => `old.${c}`).join(', ');
  const deleteOld = `INSERT INTO ${name} (${name}, rowid, ${ftsList}) VALUES ('delete', old._seq, ${oldValues});`;
  const insertNew = `INSERT INTO ${name} (rowid, ${ftsList}) VALUES (new._seq, ${newValues});`;
  const trigger = (suffix: string) => ident(`${index.sqlName}_${suffix}`);
  return [
    `CREATE VIRTUAL TABLE ${name} USING fts5(${ftsList}, content='')`,
    `INSERT INTO ${name} (rowid, ${ftsList}) SELECT _seq, ${cols.join(', ')} FROM ${t}`,
    `CREATE TRIGGER ${trigger('ai')} AFTER INSERT ON ${t} BEGIN ${insertNew} END`,
    `CREATE TRIGGER ${trigger('ad')} AFTER DELETE ON ${t} BEGIN ${deleteOld} END`,
    `CREATE TRIGGER ${trigger('au')} AFTER UPDATE OF ${cols.join(', ')} ON ${t} BEGIN ${deleteOld} ${insertNew} END`,
  ];
}

export function dropIndexSql(index: Pick<IndexDef, 'type' | 'sqlName'>): string[] {
  if (index.type !== 'fulltext') return [`DROP INDEX IF EXISTS ${ident(index.sqlName)}`];
  return [
    ...['ai', 'ad', 'au'].map((s) => `DROP TRIGGER IF EXISTS ${ident(`${index.sqlName}_${s}`)}`),
    `DROP TABLE IF EXISTS ${ident(index.sqlName)}`,
  ];
}
