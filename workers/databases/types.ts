/**
 * The shapes every part of the Databases domain agrees on: the schema store produces them, the row
 * store and the query compiler consume them. A user table is a real SQLite table (`sqlName`) with
 * one real column per Appwrite column plus internal `_`-prefixed columns, and a side table of
 * permissions (`permsSqlName`). SQL identifiers come only from here — generated from internal
 * sequence numbers and validated keys, never from raw request input.
 */
import type { Permission } from '../lib/permissions';

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
  default: unknown;
  min: number | null;
  max: number | null;
  /** Enum elements. */
  elements: string[] | null;
  /** SQL column name, e.g. `c_title`. Arrays are stored as JSON text. */
  sqlName: string;
  status: 'available';
  createdAt: string;
  updatedAt: string;
}

export interface IndexDef {
  key: string;
  type: 'key' | 'unique' | 'fulltext';
  columns: string[];
  orders: ('ASC' | 'DESC' | null)[];
  lengths: (number | null)[];
  /** SQL index name (or FTS5 table name for fulltext). */
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
  columns: ColumnDef[];
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
