/**
 * Bulk row operations (`createRows`, `upsertRows`, `updateRows`, `deleteRows`): server SDKs only —
 * Appwrite refuses them to sessions with `general_unauthorized_scope`. Each call is ONE batch,
 * so it applies entirely or not at all.
 */
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { parsePermissions, type Permission } from '../lib/permissions';
import type { Principal } from '../lib/principal';
import { ROW_PERMISSION_ACTIONS } from './row-permissions';
import { checkRowData, type RowApi } from './row-values';
import { matchingRows } from './rows-list';
import { decodeRow, insertStatements, rowSelectSql, runRowBatch, updateStatements, type StoredRow } from './rows-store';
import type { TableDef } from './types';

/** Appwrite's APP_LIMIT_DATABASE_BATCH. */
export const BULK_LIMIT = 1000;

function assertKey(principal: Principal) {
  if (principal.kind !== 'key') throw new ApiError('general_unauthorized_scope');
}

function rowPermissionsOf(doc: Record<string, unknown>): Permission[] | null {
  const raw = doc.$permissions;
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw) || !raw.every((p) => typeof p === 'string')) {
    throw new ApiError('general_bad_request', 'Invalid `$permissions`: Value must be an array of permission strings');
  }
  return parsePermissions(raw as string[], ROW_PERMISSION_ACTIONS);
}

function idOf(doc: Record<string, unknown>): string {
  const raw = doc.$id;
  if (raw !== undefined && raw !== null && typeof raw !== 'string') throw new ApiError('general_bad_request', 'Invalid `$id`: Value must be a string');
  try {
    return resolveId(raw as string | undefined, '$id');
  } catch (e) {
    throw e instanceof ApiError ? new ApiError('general_bad_request', e.message) : e;
  }
}

function assertUniqueIds(ids: string[], api: RowApi) {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new ApiError(api.errors.alreadyExists, undefined, id);
    seen.add(id);
  }
}

export async function bulkCreateRows(
  db: D1Database,
  principal: Principal,
  table: TableDef,
  api: RowApi,
  docs: Record<string, unknown>[],
): Promise<StoredRow[]> {
  assertKey(principal);
  if (docs.length > BULK_LIMIT) throw new ApiError('general_bad_request', `At most ${BULK_LIMIT} ${api.listKey} per request`);
  const statements: D1PreparedStatement[] = [];
  const ids = docs.map(idOf);
  assertUniqueIds(ids, api);
  docs.forEach((doc, i) => {
    const checked = checkRowData(table, doc, { api, mode: 'create', privileged: true });
    statements.push(...insertStatements(db, table, ids[i], checked.values, rowPermissionsOf(doc) ?? [], checked.createdAt, checked.updatedAt));
  });
  return runRowBatch(db, table, api, statements, docs.map((_, i) => i * 2), ids[0] ?? '');
}

async function rowsById(db: D1Database, table: TableDef, ids: string[]): Promise<Map<string, StoredRow>> {
  const { results } = await db
    .prepare(`SELECT ${rowSelectSql(table)} FROM "${table.sqlName}" WHERE _uid IN (SELECT value FROM json_each(?))`)
    .bind(JSON.stringify(ids))
    .all<Record<string, unknown>>();
  return new Map(results.map((r) => [String(r._uid), decodeRow(table, r)]));
}

export async function bulkUpsertRows(
  db: D1Database,
  principal: Principal,
  table: TableDef,
  api: RowApi,
  docs: Record<string, unknown>[],
): Promise<StoredRow[]> {
  assertKey(principal);
  if (docs.length > BULK_LIMIT) throw new ApiError('general_bad_request', `At most ${BULK_LIMIT} ${api.listKey} per request`);
  const ids = docs.map(idOf);
  assertUniqueIds(ids, api);
  const existing = await rowsById(db, table, ids);
  const statements: D1PreparedStatement[] = [];
  const rowAt: number[] = [];
  const unchanged = new Map<number, StoredRow>();
  docs.forEach((doc, i) => {
    const old = existing.get(ids[i]);
    const perms = rowPermissionsOf(doc);
    if (!old) {
      const checked = checkRowData(table, doc, { api, mode: 'create', privileged: true });
      rowAt.push(statements.length);
      statements.push(...insertStatements(db, table, ids[i], checked.values, perms ?? [], checked.createdAt, checked.updatedAt));
      return;
    }
    const checked = checkRowData(table, doc, { api, mode: 'update', privileged: true });
    const update = updateStatements(db, table, old, checked.values, perms ?? old.permissions, checked.updatedAt, checked.createdAt);
    if (!update) {
      unchanged.set(i, old);
      return;
    }
    rowAt.push(statements.length);
    statements.push(...update);
  });
  const written = statements.length ? await runRowBatch(db, table, api, statements, rowAt, ids[0] ?? '') : [];
  let next = 0;
  return docs.map((_, i) => unchanged.get(i) ?? written[next++]);
}

export async function bulkUpdateRows(
  db: D1Database,
  principal: Principal,
  table: TableDef,
  api: RowApi,
  data: Record<string, unknown>,
  queries: string[],
): Promise<StoredRow[]> {
  assertKey(principal);
  const checked = checkRowData(table, data, { api, mode: 'update', privileged: true });
  const perms = rowPermissionsOf(data);
  const rows = await matchingRows(db, table, api, queries);
  const statements: D1PreparedStatement[] = [];
  const rowAt: number[] = [];
  const result: (StoredRow | number)[] = [];
  for (const old of rows) {
    const update = updateStatements(db, table, old, checked.values, perms ?? old.permissions, checked.updatedAt, checked.createdAt);
    if (!update) {
      result.push(old);
      continue;
    }
    result.push(rowAt.length);
    rowAt.push(statements.length);
    statements.push(...update);
  }
  const written = statements.length ? await runRowBatch(db, table, api, statements, rowAt, rows[0]?.id ?? '') : [];
  return result.map((r) => (typeof r === 'number' ? written[r] : r));
}

export async function bulkDeleteRows(
  db: D1Database,
  principal: Principal,
  table: TableDef,
  api: RowApi,
  queries: string[],
): Promise<StoredRow[]> {
  assertKey(principal);
  const rows = await matchingRows(db, table, api, queries);
  if (rows.length === 0) return [];
  const seqs = JSON.stringify(rows.map((r) => r.seq));
  await db.batch([
    db.prepare(`DELETE FROM "${table.sqlName}" WHERE _seq IN (SELECT value FROM json_each(?))`).bind(seqs),
    db.prepare(`DELETE FROM "${table.permsSqlName}" WHERE _seq IN (SELECT value FROM json_each(?))`).bind(seqs),
  ]);
  return rows;
}
