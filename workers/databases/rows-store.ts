/**
 * Rows in D1: one real SQLite table per user table (`t_<seq>`) and its permission side table
 * (`t_<seq>_perms`). Every write that changes a row's permissions rewrites `_permissions` and the
 * side table in the same `batch()`. Values are bound as ONE JSON parameter read with
 * json_extract, so wide tables never reach D1's 100-parameter limit. Functions take plain
 * arguments (db, principal, table) and throw Appwrite errors; the two APIs differ only by `api`.
 */
import { ApiError } from '../lib/errors';
import { formatPermissions, type Permission } from '../lib/permissions';
import type { Principal } from '../lib/principal';
import { nowDate } from '../lib/time';
import {
  assertCanCreate,
  canAccessRow,
  itemReadRole,
  permissionRowsJson,
  resolveRowPermissions,
} from './row-permissions';
import { decodeRow, q, rowSelectSql, type StoredRow } from './row-model';
import { assertRowFits, checkRowData, sameValue, toSqlValue, type RowApi } from './row-values';
import { READ_ROLE_COLUMN } from './schema-sql';
import { guardSql, mustApply, STALE, type ReadPlan, type SqlCondition, type TableGuard } from './table-cache';
import type { ColumnDef, TableDef } from './types';
import { batchRows } from './rows-batch';
import { isGuardFailure, operatorGuard, operatorRefusal } from './operators/guard';
import { splitOperators, type OperatorUse } from './operators/parse';
import { operatorSql, Params } from './operators/sql';

export { decodeRow, q, rowModel, rowSelectSql, type StoredRow } from './row-model';

function findRowStatement(db: D1Database, table: TableDef, id: string): D1PreparedStatement {
  return db.prepare(`SELECT ${rowSelectSql(table)} FROM ${q(table.sqlName)} WHERE _uid = ?`).bind(id);
}

/** The row with this id, whatever the caller may see (callers decide). */
export async function findRow(db: D1Database, table: TableDef, id: string): Promise<StoredRow | null> {
  const raw = await findRowStatement(db, table, id).first<Record<string, unknown>>();
  return raw ? decodeRow(table, raw) : null;
}

/** `findRow` as a read plan, for a write that reads the row first. */
export function findRowPlan(db: D1Database, table: TableDef, id: string): ReadPlan<StoredRow | null> {
  return {
    statements: [findRowStatement(db, table, id)],
    finish: ([found]) => {
      const raw = found.results[0];
      return raw ? decodeRow(table, raw) : null;
    },
  };
}

/**
 * GET one row: missing and unreadable are the same `row_not_found` (404), as Appwrite answers.
 * `principal` is asked only once the statements ran (a deferred caller is known by then).
 */
export function getRowPlan(db: D1Database, principal: () => Principal, table: TableDef, api: RowApi, id: string): ReadPlan<StoredRow> {
  const find = findRowPlan(db, table, id);
  return {
    statements: find.statements,
    finish: (results) => {
      const row = find.finish(results);
      if (!row || !canAccessRow(principal(), table, row.permissions, 'read')) throw new ApiError(api.errors.notFound, undefined, id);
      return row;
    },
  };
}

function columnValuesJson(columns: ColumnDef[], values: Map<string, unknown>): string {
  return JSON.stringify(columns.map((c) => toSqlValue(c, values.get(c.key))));
}

/** `"c_a" = json_extract(?N, '$[0]'), …` for the columns being written. */
function assignments(columns: ColumnDef[], param: number): string[] {
  return columns.map((c, i) => `${q(c.sqlName)} = json_extract(?${param}, '$[${i}]')`);
}

function permsInsert(db: D1Database, table: TableDef, seqSql: string, seqParam: string | number, perms: Permission[], guard: TableGuard | null = null, also: SqlCondition | null = null) {
  const guarded = guardSql(guard, 3, also);
  return db
    .prepare(
      `INSERT INTO ${q(table.permsSqlName)} (_seq, type, role) SELECT ${seqSql}, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2) WHERE ${guarded.sql}`,
    )
    .bind(seqParam, permissionRowsJson(perms), ...guarded.params);
}

export interface RowWrite {
  data: Record<string, unknown>;
  /** Permission strings as sent; null/undefined = not sent. */
  permissions?: string[] | null;
  /**
   * Statements that belong to this write (related rows and links, relationships/write.ts), built
   * once the row's own checks passed and run after its own statements in the same batch. A write
   * with them is never made on a cached definition, and always updates the row.
   */
  extra?: () => Promise<D1PreparedStatement[]>;
}

/**
 * POST: checks table `create`, validates, inserts the row and its permissions in one batch.
 * With a `guard` (a cached definition) both statements write only if it is still current;
 * `STALE` means the guard refused and nothing was written.
 */
export async function createRow(
  db: D1Database,
  principal: Principal,
  table: TableDef,
  api: RowApi,
  id: string,
  write: RowWrite,
  guard: TableGuard | null = null,
): Promise<StoredRow | typeof STALE> {
  const perms = resolveRowPermissions(principal, write.permissions, null);
  assertCanCreate(principal, table);
  const checked = checkRowData(table, plainCreateData(table, api, write.data), { api, mode: 'create', privileged: principal.kind === 'key' });
  if (write.extra && guard) return STALE;
  const statements = insertStatements(db, table, api, id, checked.values, perms, checked.createdAt, checked.updatedAt, guard);
  if (write.extra) statements.push(...(await write.extra()));
  const [inserted] = await batchRows(db, table, api, statements, id);
  const raw = inserted.results[0];
  return raw ? decodeRow(table, raw) : STALE;
}

/** Data for a new row: operators need a stored value to work on, so a create refuses them. */
export function plainCreateData(table: TableDef, api: RowApi, data: Record<string, unknown>): Record<string, unknown> {
  const { plain, ops } = splitOperators(table, api, data);
  if (ops.length) throw new ApiError(api.errors.invalidStructure, `Invalid document structure: Attribute "${ops[0].col.key}": operators apply to existing rows only`);
  return plain;
}

/**
 * The INSERT (returning the row) and the side-table fill for one new row; both conditional on
 * `guard` and on `also` (a condition on the caller, rows-create.ts), so either both write or neither.
 */
export function insertStatements(
  db: D1Database,
  table: TableDef,
  api: RowApi,
  id: string,
  values: Map<string, unknown>,
  perms: Permission[],
  createdAt?: string,
  updatedAt?: string,
  guard: TableGuard | null = null,
  also: SqlCondition | null = null,
): D1PreparedStatement[] {
  const now = nowDate();
  const columns = table.columns.filter((c) => values.has(c.key));
  const names = ['_uid', '_createdAt', '_updatedAt', '_permissions', ...columns.map((c) => q(c.sqlName))];
  const exprs = ['?1', '?2', '?3', '?4', ...columns.map((_, i) => `json_extract(?5, '$[${i}]')`)];
  const read = readRoleParam(table, perms, 6);
  names.push(...read.names);
  exprs.push(...read.exprs);
  const guarded = guardSql(guard, 6 + read.params.length, also);
  const encoded = columnValuesJson(columns, values);
  assertRowFits(api, encoded, formatPermissions(perms));
  const insert = db
    .prepare(`INSERT INTO ${q(table.sqlName)} (${names.join(', ')}) SELECT ${exprs.join(', ')} WHERE ${guarded.sql} RETURNING ${rowSelectSql(table)}`)
    .bind(id, createdAt ?? now, updatedAt ?? now, JSON.stringify(formatPermissions(perms)), encoded, ...read.params, ...guarded.params);
  const perm = permsInsert(db, table, `(SELECT _seq FROM ${q(table.sqlName)} WHERE _uid = ?1)`, id, perms, guard, also);
  return [insert, perm];
}

/** The row's single read role (schema-sql `READ_ROLE_COLUMN`) as parameter `?n`, on tables that keep it. */
function readRoleParam(table: TableDef, perms: readonly Permission[], n: number) {
  if (!table.readRole) return { names: [], exprs: [], params: [] };
  return { names: [READ_ROLE_COLUMN], exprs: [`?${n}`], params: [itemReadRole(perms)] };
}

/** Runs a batch whose statements at `rowAt` return rows; maps constraint failures to Appwrite errors. */
export async function runRowBatch(
  db: D1Database,
  table: TableDef,
  api: RowApi,
  statements: D1PreparedStatement[],
  rowAt: number[],
  ids: string | string[],
): Promise<StoredRow[]> {
  const results = await batchRows(db, table, api, statements, ids);
  const first = typeof ids === 'string' ? ids : ids[0] ?? '';
  return rowAt.map((i) => {
    const raw = results[i].results[0];
    if (!raw) throw new ApiError(api.errors.notFound, undefined, first);
    return decodeRow(table, raw);
  });
}

/**
 * The UPDATE (returning the row) and, when permissions changed, the side-table rewrite; null
 * when nothing would change. Atomic operators (`ops`) are computed by the UPDATE itself from the
 * stored value; their range checks are `operatorGuard`'s, which the caller runs just before.
 */
export function updateStatements(
  db: D1Database,
  table: TableDef,
  api: RowApi,
  old: StoredRow,
  values: Map<string, unknown>,
  perms: Permission[],
  updatedAt?: string,
  createdAt?: string,
  ops: readonly OperatorUse[] = [],
  now = nowDate(),
): D1PreparedStatement[] | null {
  const permsChanged =
    JSON.stringify(formatPermissions(perms).sort()) !== JSON.stringify(formatPermissions(old.permissions).sort());
  const operated = new Set(ops.map((o) => o.col.key));
  const columns = table.columns.filter((c) => values.has(c.key) && !operated.has(c.key) && !sameValue(values.get(c.key), old.values[c.key]));
  if (columns.length === 0 && ops.length === 0 && !permsChanged && createdAt === undefined && updatedAt === undefined) return null;
  // The whole row after the write must fit, not just the columns it changes.
  const after = new Map(table.columns.map((c) => [c.key, values.has(c.key) ? values.get(c.key) : old.values[c.key]]));
  assertRowFits(api, columnValuesJson(table.columns, after), formatPermissions(perms));
  const read = readRoleParam(table, perms, 6);
  const p = new Params(6 + read.params.length);
  const operatorSets = ops.map((op) => `${q(op.col.sqlName)} = ${operatorSql(op, p, now).set}`);
  const sets = [...assignments(columns, 1), ...operatorSets, '_updatedAt = ?2', '_permissions = ?3', '_createdAt = COALESCE(?5, _createdAt)', ...read.names.map((n, i) => `${n} = ${read.exprs[i]}`)];
  const sql = `UPDATE ${q(table.sqlName)} SET ${sets.join(', ')} WHERE _seq = ?4 RETURNING ${rowSelectSql(table)}`;
  const update = db
    .prepare(sql)
    .bind(columnValuesJson(columns, values), updatedAt ?? now, JSON.stringify(formatPermissions(perms)), old.seq, createdAt ?? null, ...read.params, ...p.usedBy(sql));
  const statements = [update];
  if (permsChanged) {
    statements.push(db.prepare(`DELETE FROM ${q(table.permsSqlName)} WHERE _seq = ?`).bind(old.seq));
    statements.push(permsInsert(db, table, '?1', old.seq, perms));
  }
  return statements;
}

/**
 * Writes `values` (and permissions, when they changed) onto an existing row in one batch.
 * Appwrite's update rule: a write that changes nothing needs only `read`; a real change needs
 * table `update`, or the row's `update` under rowSecurity — refused as `user_unauthorized` (401).
 * Operators run behind their guard in the same batch; a refused guard changes nothing.
 */
async function writeRow(
  db: D1Database,
  principal: Principal,
  table: TableDef,
  api: RowApi,
  old: StoredRow,
  values: Map<string, unknown>,
  perms: Permission[],
  updatedAt?: string,
  createdAt?: string,
  ops: readonly OperatorUse[] = [],
  extra?: RowWrite['extra'],
): Promise<StoredRow> {
  const now = nowDate();
  const statements = updateStatements(db, table, api, old, values, perms, extra ? (updatedAt ?? now) : updatedAt, createdAt, ops, now);
  if (!canAccessRow(principal, table, old.permissions, statements ? 'update' : 'read')) throw new ApiError('user_unauthorized');
  if (!statements) return old;
  if (extra) statements.push(...(await extra()));
  if (ops.length === 0) return (await runRowBatch(db, table, api, statements, [0], old.id))[0];
  try {
    return (await runRowBatch(db, table, api, [operatorGuard(db, table, old.seq, ops, now), ...statements], [1], old.id))[0];
  } catch (e) {
    if (!isGuardFailure(e)) throw e;
    throw new ApiError(api.errors.invalidStructure, `Invalid document structure: ${await operatorRefusal(db, table, [old.seq], ops, now)}`);
  }
}

/** Appwrite refuses an update that sends neither data nor permissions. */
function assertPayload(write: RowWrite, api: RowApi) {
  if (Object.keys(write.data).length === 0 && !write.extra && (write.permissions === null || write.permissions === undefined)) {
    throw new ApiError(api.errors.missingPayload);
  }
}

/** The stored row, or the API's `not_found` for `id`. */
export function existingRow(old: StoredRow | null, api: RowApi, id: string): StoredRow {
  if (!old) throw new ApiError(api.errors.notFound, undefined, id);
  return old;
}

/** Validates `write` as an update of `old` and applies it (see `writeRow`); operator values run in SQL. */
function applyUpdate(db: D1Database, principal: Principal, table: TableDef, api: RowApi, old: StoredRow, write: RowWrite): Promise<StoredRow> {
  const perms = resolveRowPermissions(principal, write.permissions, old.permissions);
  const { plain, ops } = splitOperators(table, api, write.data);
  const checked = checkRowData(table, plain, { api, mode: 'update', privileged: principal.kind === 'key' });
  return writeRow(db, principal, table, api, old, checked.values, perms, checked.updatedAt, checked.createdAt, ops, write.extra);
}

/** PATCH: a partial update of data and/or permissions of `old` (the row `id` as just read). */
export async function updateRow(
  db: D1Database,
  principal: Principal,
  table: TableDef,
  api: RowApi,
  id: string,
  old: StoredRow | null,
  write: RowWrite,
): Promise<StoredRow> {
  assertPayload(write, api);
  return applyUpdate(db, principal, table, api, existingRow(old, api, id), write);
}

/**
 * PUT: creates the row (table `create`) or updates it (`update`), keeping the old row's
 * permissions when none are sent. Columns left out keep their stored values.
 */
export async function upsertRow(
  db: D1Database,
  principal: Principal,
  table: TableDef,
  api: RowApi,
  id: string,
  old: StoredRow | null,
  write: RowWrite,
): Promise<{ row: StoredRow; created: boolean }> {
  assertPayload(write, api);
  if (!old) {
    try {
      return { row: mustApply(await createRow(db, principal, table, api, id, write)), created: true };
    } catch (e) {
      // Lost a race with a concurrent create of the same id: update what won instead.
      if (!(e instanceof ApiError && e.type === api.errors.alreadyExists)) throw e;
      return upsertRow(db, principal, table, api, id, await findRow(db, table, id), write);
    }
  }
  return { row: await applyUpdate(db, principal, table, api, old, write), created: false };
}

/** The DELETEs of rows (by `_seq`) and their permission rows, for one batch. */
export function deleteStatements(db: D1Database, table: TableDef, seqs: number[]): D1PreparedStatement[] {
  const json = JSON.stringify(seqs);
  return [table.sqlName, table.permsSqlName].map((name) =>
    db.prepare(`DELETE FROM ${q(name)} WHERE _seq IN (SELECT value FROM json_each(?))`).bind(json),
  );
}

/** DELETE of `found` (the row `id` as just read): needs `delete` (table, or row under rowSecurity); removes the row and its permissions together. */
export async function deleteRow(
  db: D1Database,
  principal: Principal,
  table: TableDef,
  api: RowApi,
  id: string,
  found: StoredRow | null,
  extra?: (row: StoredRow) => Promise<D1PreparedStatement[]>,
): Promise<StoredRow> {
  const old = existingRow(found, api, id);
  if (!canAccessRow(principal, table, old.permissions, 'delete')) throw new ApiError('user_unauthorized');
  // `extra`: what the delete brings along in the same batch (relationships/delete.ts: onDelete rules).
  await db.batch([...(extra ? await extra(old) : []), ...deleteStatements(db, table, [old.seq])]);
  return old;
}
