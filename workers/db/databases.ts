// ---------------------------------------------------------------------------------------------
// Databases (migrations/0003_databases.sql). Metadata only: each table row here names a real
// SQLite table `t_<seq>` (+ `t_<seq>_perms`, indexes, FTS5 tables) that workers/databases/
// schema-store.ts creates and drops at run time. Keys compare case-insensitively, as SQLite
// column names do.
// ---------------------------------------------------------------------------------------------
import { sql } from 'drizzle-orm';
import { sqliteTable, text, integer, index, uniqueIndex, check, primaryKey } from 'drizzle-orm/sqlite-core';
import { bool, json } from './columns';

/** User databases; `type` is `tablesdb` or `legacy` (which API created it; both APIs serve both). */
export const databases = sqliteTable(
  'databases',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    name: text('name').notNull(),
    enabled: bool('enabled').notNull().default(true),
    type: text('type').notNull().default('tablesdb'),
    search: text('search').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('databases_id').on(t.id), index('databases_created_at').on(t.createdAt)],
);

/** Tables (collections). `seq` names the SQL table `t_<seq>`; permissions are Appwrite strings. */
export const dbTables = sqliteTable(
  'tables',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    databaseId: text('database_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    permissions: json<string[]>('permissions').notNull().default([]),
    rowSecurity: bool('row_security').notNull().default(false),
    enabled: bool('enabled').notNull().default(true),
    search: text('search').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    /** Random token replaced by every definition change (migrations/0007_table_version.sql). */
    version: text('version').notNull().default(''),
    /** SQL layout of `t_<seq>`: 1 = with the read-role column `_read` (migrations/0025_row_read_role.sql). */
    layout: integer('layout').notNull().default(0),
  },
  (t) => [uniqueIndex('tables_database_id').on(t.databaseId, t.id)],
);

/**
 * Columns (attributes). `default_value` is JSON (NULL = no default); `min`/`max` are decimal
 * strings so int64 bounds survive; `elements` is the enum list as JSON.
 */
export const dbColumns = sqliteTable(
  'columns',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    tableSeq: integer('table_seq').notNull(),
    key: text('key').notNull(),
    type: text('type').notNull(),
    size: integer('size'),
    required: bool('required').notNull().default(false),
    array: bool('array').notNull().default(false),
    defaultValue: text('default_value'),
    min: text('min'),
    max: text('max'),
    elements: json<string[]>('elements'),
    encrypt: bool('encrypt').notNull().default(false),
    /** Relationship columns only: `{relation, side}` naming their `relationships` row (migrations/0020). */
    options: json<{ relation: number; side: 'parent' | 'child' }>('options'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('columns_table_key').on(t.tableSeq, t.key)],
);

/** Indexes; `seq` names the SQL index `t_<table>_i_<seq>` or FTS5 table `t_<table>_fts_<seq>`. */
export const dbIndexes = sqliteTable(
  'indexes',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    tableSeq: integer('table_seq').notNull(),
    key: text('key').notNull(),
    type: text('type').notNull(),
    columns: json<string[]>('columns').notNull().default([]),
    orders: json<(string | null)[]>('orders').notNull().default([]),
    lengths: json<(number | null)[]>('lengths').notNull().default([]),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('indexes_table_key').on(t.tableSeq, t.key)],
);

/**
 * Never holds a row (migrations/0022): a guard statement inserts here exactly when its condition
 * fails, the CHECK refuses it, and D1 rolls back the batch the guard rides in
 * (workers/databases/operators/guard.ts).
 */
export const writeGuards = sqliteTable('write_guards', { ok: integer('ok').notNull() }, (t) => [check('ledge_write_guard', sql`${t.ok} = 1`)]);

/**
 * Relationship columns (migrations/0020_relationships.sql): one row per relationship, from its
 * parent side; the links live in the run-time table `r_<seq>` (workers/databases/relationships/).
 */
export const dbRelationships = sqliteTable(
  'relationships',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    databaseId: text('database_id').notNull(),
    parentTableSeq: integer('parent_table_seq').notNull(),
    parentKey: text('parent_key').notNull(),
    childTableSeq: integer('child_table_seq').notNull(),
    childKey: text('child_key').notNull(),
    type: text('type').notNull(),
    twoWay: bool('two_way').notNull().default(false),
    onDelete: text('on_delete').notNull().default('restrict'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('relationships_parent').on(t.parentTableSeq, t.parentKey), index('relationships_child').on(t.childTableSeq)],
);

/** Appwrite transactions (migrations/0023; workers/databases/transactions/). */
export const transactions = sqliteTable(
  'transactions',
  {
    id: text('id').primaryKey(),
    owner: text('owner').notNull(),
    status: text('status').notNull(),
    operations: integer('operations').notNull().default(0),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('transactions_owner').on(t.owner, t.createdAt), index('transactions_expires_at').on(t.expiresAt)],
);

/** A transaction's staged operations, in order; `data` is the operation's JSON payload. */
export const transactionOperations = sqliteTable(
  'transaction_operations',
  {
    transactionId: text('transaction_id').notNull(),
    position: integer('position').notNull(),
    action: text('action').notNull(),
    flavor: text('flavor').notNull(),
    databaseId: text('database_id').notNull(),
    tableId: text('table_id').notNull(),
    rowId: text('row_id'),
    data: text('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.transactionId, t.position] })],
);

/** Each staged row's fingerprint when the transaction first touched it (null: absent then). */
export const transactionSnapshots = sqliteTable(
  'transaction_snapshots',
  {
    transactionId: text('transaction_id').notNull(),
    tableSeq: integer('table_seq').notNull(),
    rowId: text('row_id').notNull(),
    fingerprint: text('fingerprint'),
  },
  (t) => [primaryKey({ columns: [t.transactionId, t.tableSeq, t.rowId] })],
);
