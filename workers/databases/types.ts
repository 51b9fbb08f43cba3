/**
 * The shapes every part of the Databases domain agrees on: the schema store produces them, the row
 * store and the query compiler consume them. A user table is a real SQLite table (`sqlName`) with
 * one real column per Appwrite column plus internal `_`-prefixed columns, and a side table of
 * permissions (`permsSqlName`). SQL identifiers come only from here — generated from internal
 * sequence numbers and validated keys, never from raw request input.
 */
import type { Permission } from '../lib/permissions';
import type { RelationDef } from './relationships/types';

export type ColumnType =
  | 'string' | 'varchar' | 'text' | 'mediumtext' | 'longtext'
  | 'integer' | 'bigint' | 'float' | 'boolean' | 'datetime'
  | 'email' | 'ip' | 'url' | 'enum';

/** How values of a column are compared and stored in SQL. */
export type StorageKind = 'text' | 'integer' | 'real' | 'boolean' | 'datetime';

export interface ColumnDef {
  key: string;
  type: ColumnType;
  /** Max length for string-like columns. */
  size: number | null;
  required: boolean;
  array: boolean;
  /**
   * Default for rows that omit the column (null = none). Already typed: string, number, boolean,
   * or a `bigint` for integer/bigint defaults outside ±2^53.
   */
  default: unknown;
  /**
   * Range for integer/bigint/float columns, always set for those (Appwrite fills ±int64 and
   * ±float max when omitted), null for other types. Integer bounds outside ±2^53 are `bigint`
   * (JS compares number < bigint correctly).
   */
  min: number | bigint | null;
  max: number | bigint | null;
  /** Enum elements. */
  elements: string[] | null;
  /** Stored encrypted (accepted and reported; Ledge stores the value as is). */
  encrypt: boolean;
  /**
   * SQL column name `c_<key>`, always used double-quoted (keys may hold `-` and `.`). Declared
   * TEXT / INTEGER / REAL by storageKind (booleans 0/1); arrays are JSON text. No SQL default and
   * no NOT NULL: `required` and `default` are applied by the row store.
   */
  sqlName: string;
  status: 'available';
  createdAt: string;
  updatedAt: string;
}

export interface IndexDef {
  key: string;
  type: 'key' | 'unique' | 'fulltext';
  /** Column keys; may also name `$id`, `$createdAt`, `$updatedAt` (see SYSTEM_COLUMNS). */
  columns: string[];
  orders: ('ASC' | 'DESC' | null)[];
  lengths: (number | null)[];
  /**
   * key/unique: the SQL index `t_<tableSeq>_i_<indexSeq>`.
   * fulltext: a contentless FTS5 table `t_<tableSeq>_fts_<indexSeq>` whose rowid is the row's
   * `_seq` and whose column `f<i>` indexes `columns[i]` (see ftsColumnName). Triggers on the main
   * table keep it in sync. A `search` on column K uses a fulltext index with K among its columns:
   * `_seq IN (SELECT rowid FROM "<sqlName>" WHERE "f<i>" MATCH ?)`.
   */
  sqlName: string;
  status: 'available';
  createdAt: string;
  updatedAt: string;
}

export interface TableDef {
  databaseId: string;
  id: string;
  /** Internal sequence; user-table SQL names derive from it. */
  seq: number;
  name: string;
  enabled: boolean;
  rowSecurity: boolean;
  permissions: Permission[];
  /** `t_<seq>`: columns `_seq INTEGER PRIMARY KEY, _uid TEXT UNIQUE, _createdAt, _updatedAt, _permissions` + user columns. */
  sqlName: string;
  /** `t_<seq>_perms`: `(_seq INTEGER, type TEXT, role TEXT)`, indexed for EXISTS filters. */
  permsSqlName: string;
  /**
   * The table has `_read`, each row's single read role, at the end of its key indexes
   * (schema-sql `READ_ROLE_COLUMN`): tables created since layout 1. Older tables filter by probe only.
   */
  readRole: boolean;
  columns: ColumnDef[];
  /**
   * Relationship sides this table holds (relationships/), visible or not. Not in `columns`: they
   * have no SQL column of their own, their links live in a link table.
   */
  relationships: RelationDef[];
  indexes: IndexDef[];
  createdAt: string;
  updatedAt: string;
}

/** Internal columns every user table has, queryable as `$id`, `$sequence`, `$createdAt`, `$updatedAt`. */
export const SYSTEM_COLUMNS = {
  $id: { sqlName: '_uid', kind: 'text' },
  $sequence: { sqlName: '_seq', kind: 'integer' },
  $createdAt: { sqlName: '_createdAt', kind: 'datetime' },
  $updatedAt: { sqlName: '_updatedAt', kind: 'datetime' },
} as const satisfies Record<string, { sqlName: string; kind: StorageKind }>;

/** The FTS5 column of a fulltext index that holds `IndexDef.columns[position]`. */
export function ftsColumnName(position: number): string {
  return `f${position}`;
}

export function storageKind(type: ColumnType): StorageKind {
  switch (type) {
    case 'integer':
    case 'bigint':
      return 'integer';
    case 'float':
      return 'real';
    case 'boolean':
      return 'boolean';
    case 'datetime':
      return 'datetime';
    default:
      return 'text';
  }
}
