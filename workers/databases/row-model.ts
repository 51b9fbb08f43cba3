/**
 * A row as read: the SELECT list, decoding (what was stored never fails a read), and the
 * Row/Document response model. Built once per table definition where it can be, and each stored
 * permission list parsed once per isolate.
 */
import { formatPermissions, parsePermissions, type Permission } from '../lib/permissions';
import { ROW_PERMISSION_ACTIONS } from './row-permissions';
import { fromSqlValue, selectExpr, UndecodableValue, type RowApi } from './row-values';
import type { TableDef } from './types';

export interface StoredRow {
  seq: number;
  id: string;
  createdAt: string;
  updatedAt: string;
  permissions: Permission[];
  /** Column key → value as the response model shows it. */
  values: Record<string, unknown>;
}

export const q = (name: string) => `"${name.replaceAll('"', '')}"`;

/** Built once per table definition (definitions are immutable and cached per isolate). */
const selectLists = new WeakMap<TableDef, string>();

/** The SELECT list for a whole row; `alias` qualifies columns (e.g. `r.`). */
export function rowSelectSql(table: TableDef, alias = ''): string {
  const cached = alias === '' ? selectLists.get(table) : undefined;
  if (cached) return cached;
  const system = ['_seq', '_uid', '_createdAt', '_updatedAt', '_permissions'].map((c) => `${alias}${c} AS ${c}`);
  const list = [...system, ...table.columns.map((c) => selectExpr(c, alias))].join(', ');
  if (alias === '') selectLists.set(table, list);
  return list;
}

/**
 * A row as read from SQL. What was stored never fails a read: a cell that does not fit its column
 * reads as null (an array as `[]`) and unreadable permissions as none, each logged with the row id.
 */
export function decodeRow(table: TableDef, raw: Record<string, unknown>): StoredRow {
  const id = String(raw._uid);
  const values: Record<string, unknown> = {};
  for (const col of table.columns) {
    try {
      values[col.key] = fromSqlValue(col, raw[col.sqlName]);
    } catch (e) {
      if (!(e instanceof UndecodableValue)) throw e;
      console.error(`[rows] undecodable value in table ${table.sqlName} column ${col.key} row ${id}: ${e.message}`);
      values[col.key] = col.array ? [] : null;
    }
  }
  return {
    seq: Number(raw._seq),
    id,
    createdAt: String(raw._createdAt),
    updatedAt: String(raw._updatedAt),
    permissions: decodePermissions(table, id, raw._permissions),
    values,
  };
}

/**
 * Rows share few distinct permission lists (an owner's, a team's…): each stored `_permissions`
 * text is parsed and checked once per isolate, and its result shared, frozen, by every row that
 * holds it. Bounded; the oldest entry goes first.
 */
const parsedPermissions = new Map<string, readonly Permission[]>();
const PARSED_PERMISSIONS_MAX = 1024;

function decodePermissions(table: TableDef, id: string, raw: unknown): Permission[] {
  const text = String(raw ?? '[]');
  const hit = parsedPermissions.get(text);
  if (hit) return hit as Permission[];
  let perms: Permission[];
  try {
    perms = parsePermissions(JSON.parse(text) as string[], ROW_PERMISSION_ACTIONS);
  } catch (e) {
    console.error(`[rows] undecodable permissions in table ${table.sqlName} row ${id}: ${(e as Error).message}`);
    return [];
  }
  if (parsedPermissions.size >= PARSED_PERMISSIONS_MAX) parsedPermissions.delete(parsedPermissions.keys().next().value!);
  const shared = Object.freeze(perms.map((p) => Object.freeze(p))) as Permission[];
  parsedPermissions.set(text, shared);
  formattedPermissions.set(shared, Object.freeze(formatPermissions(shared)) as string[]);
  return shared;
}

/** `formatPermissions` of a shared list, made once with it. */
const formattedPermissions = new WeakMap<readonly Permission[], string[]>();

function permissionStrings(perms: Permission[]): string[] {
  return [...(formattedPermissions.get(perms) ?? formatPermissions(perms))];
}

/**
 * The Row/Document response model. With `select` (a list of keys, `*` for all columns) only the
 * chosen columns appear; the `$` attributes always do, as utopia-php/database adds them to every
 * selection.
 */
export function rowModel(table: TableDef, row: StoredRow, api: RowApi, select?: readonly string[] | null): Record<string, unknown> {
  const all = !select || select.includes('*');
  const out: Record<string, unknown> = {
    $id: row.id,
    $sequence: String(row.seq),
    [api.parentKey]: table.id,
    $databaseId: table.databaseId,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    $permissions: permissionStrings(row.permissions),
  };
  for (const col of table.columns) if (all || select!.includes(col.key)) out[col.key] = row.values[col.key];
  return out;
}
