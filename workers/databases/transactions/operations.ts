/**
 * Staged operations: their wire shape (Appwrite's `createOperations` items, and what the
 * `transactionId` parameter of a row route stages), their validation, and the row fingerprint a
 * commit compares. Ids are resolved at staging (`unique()` becomes a real id), so a commit and a
 * read through the transaction agree on them.
 */
import { ApiError } from '../../lib/errors';
import { resolveId } from '../../lib/ids';
import type { Flavor } from '../flavor';
import { ident } from '../schema-sql';
import type { TableDef } from '../types';

export const SINGLE_ACTIONS = ['create', 'update', 'upsert', 'delete', 'increment', 'decrement'] as const;
export const BULK_ACTIONS = ['bulkCreate', 'bulkUpdate', 'bulkUpsert', 'bulkDelete'] as const;
export type Action = (typeof SINGLE_ACTIONS)[number] | (typeof BULK_ACTIONS)[number];

export interface StagedOp {
  action: Action;
  flavor: Flavor;
  databaseId: string;
  tableId: string;
  /** The row a single-row action names (null for bulk actions). */
  rowId: string | null;
  /**
   * create/update/upsert: the row data (`$permissions` inside, as Appwrite's operations carry them);
   * increment/decrement: `{column, value, max|min}`; bulkCreate/bulkUpsert: the rows;
   * bulkUpdate: `{data, queries}`; bulkDelete: `{queries}`; delete: `{}`.
   */
  data: unknown;
}

/** How many of the transaction's operations a staged op counts for (each row of a bulk insert counts). */
export function weight(op: StagedOp): number {
  return Array.isArray(op.data) ? Math.max(op.data.length, 1) : 1;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function bad(message: string): never {
  throw new ApiError('general_argument_invalid', `Invalid \`operations\` param: ${message}`);
}

/** One `createOperations` item as Appwrite's validator reads it (both APIs' key names). */
export function parseOperation(raw: unknown, index: number): StagedOp {
  if (!isObject(raw)) bad(`operation ${index} must be an object`);
  const action = raw.action;
  if (typeof action !== 'string' || ![...SINGLE_ACTIONS, ...BULK_ACTIONS].includes(action as Action)) {
    bad(`operation ${index} has an unknown action; use one of ${[...SINGLE_ACTIONS, ...BULK_ACTIONS].join(', ')}`);
  }
  const legacy = raw.collectionId !== undefined || raw.documentId !== undefined;
  const databaseId = raw.databaseId;
  const tableId = raw.tableId ?? raw.collectionId;
  const rowId = raw.rowId ?? raw.documentId ?? null;
  if (typeof databaseId !== 'string' || !databaseId) bad(`operation ${index} needs databaseId`);
  if (typeof tableId !== 'string' || !tableId) bad(`operation ${index} needs ${legacy ? 'collectionId' : 'tableId'}`);
  const single = (SINGLE_ACTIONS as readonly string[]).includes(action);
  if (single && (typeof rowId !== 'string' || !rowId)) bad(`operation ${index} needs ${legacy ? 'documentId' : 'rowId'}`);
  const op: StagedOp = {
    action: action as Action,
    flavor: legacy ? 'legacy' : 'tablesdb',
    databaseId,
    tableId,
    rowId: single ? resolveId(rowId as string, legacy ? 'documentId' : 'rowId') : null,
    data: raw.data ?? (action === 'delete' ? {} : undefined),
  };
  checkShape(op, index);
  return op;
}

/** The data each action needs, by shape (values are checked against the table when staged). */
export function checkShape(op: StagedOp, index = 0): void {
  const { action, data } = op;
  if (action === 'bulkCreate' || action === 'bulkUpsert') {
    if (!Array.isArray(data) || data.length === 0 || !data.every(isObject)) bad(`operation ${index} (${action}) needs data: a non-empty array of rows`);
    return;
  }
  if (!isObject(data)) bad(`operation ${index} (${action}) needs data: an object`);
  if (action === 'increment' || action === 'decrement') {
    const d = data as Record<string, unknown>;
    if (typeof (d.column ?? d.attribute) !== 'string') bad(`operation ${index} (${action}) needs data.column`);
  }
  if ((action === 'bulkUpdate' || action === 'bulkDelete') && (data as Record<string, unknown>).queries !== undefined) {
    const q = (data as Record<string, unknown>).queries;
    if (!Array.isArray(q) || !q.every((s) => typeof s === 'string')) bad(`operation ${index} (${action}) needs queries: an array of strings`);
  }
}

/**
 * A row's fingerprint, computed in SQL: its update time, permissions and every column value, so
 * any write to the row since (even one within the same millisecond) changes it. Columns go in
 * chunks because SQLite functions take a bounded number of arguments.
 */
export function fingerprintSql(table: TableDef): string {
  const cols = table.columns.map((c) => ident(c.sqlName));
  const chunks: string[] = [];
  for (let i = 0; i < cols.length; i += 50) chunks.push(`json_array(${cols.slice(i, i + 50).join(', ')})`);
  return `json_array(_updatedAt, _permissions${chunks.length ? ', ' : ''}${chunks.join(', ')})`;
}

/** `(SELECT fingerprint)` of the row whose id is the parameter `param`, NULL when absent. */
export function fingerprintOf(table: TableDef, param: string): string {
  return `(SELECT ${fingerprintSql(table)} FROM ${ident(table.sqlName)} WHERE _uid = ${param})`;
}
