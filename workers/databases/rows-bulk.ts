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
import { failedOperator, isGuardFailure, operatorGuard } from './operators/guard';
import { splitOperators, type OperatorUse } from './operators/parse';
import { nowDate } from '../lib/time';
import { decodeRow, deleteStatements, insertStatements, plainCreateData, rowSelectSql, runRowBatch, updateStatements, type StoredRow } from './rows-store';
import type { TableDef } from './types';
import type { RelatedChanges } from './relationships/changes';
import { deleteRelationsPlan } from './relationships/delete';
import { assertNoRelationValues } from './relationships/row-hooks';

/** Appwrite's APP_LIMIT_DATABASE_BATCH. */
export const BULK_LIMIT = 1000;

export function assertKey(principal: Principal) {
  if (principal.kind !== 'key') throw new ApiError('general_unauthorized_scope');
}

export function rowPermissionsOf(doc: Record<string, unknown>): Permission[] | null {
  const raw = doc.$permissions;
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw) || !raw.every((p) => typeof p === 'string')) {
    throw new ApiError('general_bad_request', 'Invalid `$permissions`: Value must be an array of permission strings');
  }
  return parsePermissions(raw as string[], ROW_PERMISSION_ACTIONS);
}

export function idOf(doc: Record<string, unknown>): string {
  const raw = doc.$id;
  if (raw !== undefined && raw !== null && typeof raw !== 'string') throw new ApiError('general_bad_request', 'Invalid `$id`: Value must be a string');
  try {
    return resolveId(raw as string | undefined, '$id');
  } catch (e) {
    throw e instanceof ApiError ? new ApiError('general_bad_request', e.message) : e;
  }
}

/** Server keys only, at most BULK_LIMIT documents, each with its own id: the ids in order. */
function bulkIds(principal: Principal, api: RowApi, docs: Record<string, unknown>[]): string[] {
  assertKey(principal);
  if (docs.length > BULK_LIMIT) throw new ApiError('general_bad_request', `At most ${BULK_LIMIT} ${api.listKey} per request`);
  const ids = docs.map(idOf);
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new ApiError(api.errors.alreadyExists, undefined, id);
    seen.add(id);
  }
  return ids;
}

type Checked = ReturnType<typeof checkRowData>;

/** A document validated for `mode`; bulk calls come from server keys, so they are privileged. */
const check = (table: TableDef, api: RowApi, doc: Record<string, unknown>, mode: 'create' | 'update'): Checked =>
  checkRowData(table, mode === 'create' ? plainCreateData(table, api, doc) : doc, { api, mode, privileged: true });

/**
 * One bulk batch in the making: per input row, either the row as it stays (a write that changes
 * nothing) or the statements whose first one returns it. `run` commits them all at once and
 * answers the rows in input order.
 */
class RowBatch {
  private readonly statements: D1PreparedStatement[] = [];
  private readonly rowAt: number[] = [];
  private readonly slots: (StoredRow | number)[] = [];
  /** Rows whose operators are guarded, to name the refusal if a guard fails. */
  private readonly guarded: { seq: number; ops: readonly OperatorUse[] }[] = [];
  private readonly now = nowDate();

  constructor(
    private readonly db: D1Database,
    private readonly table: TableDef,
    private readonly api: RowApi,
  ) {}

  private unchanged(row: StoredRow) {
    this.slots.push(row);
  }

  private write(statements: D1PreparedStatement[], guard?: D1PreparedStatement) {
    if (guard) this.statements.push(guard);
    this.slots.push(this.rowAt.length);
    this.rowAt.push(this.statements.length);
    this.statements.push(...statements);
  }

  create(id: string, checked: Checked, perms: Permission[]) {
    this.write(insertStatements(this.db, this.table, this.api, id, checked.values, perms, checked.createdAt, checked.updatedAt));
  }

  /** `old` with the checked values applied; unchanged when nothing would change. */
  update(old: StoredRow, checked: Checked, perms: Permission[] | null, ops: readonly OperatorUse[] = []) {
    const update = updateStatements(this.db, this.table, this.api, old, checked.values, perms ?? old.permissions, checked.updatedAt, checked.createdAt, ops, this.now);
    if (!update) return this.unchanged(old);
    if (ops.length) this.guarded.push({ seq: old.seq, ops });
    this.write(update, ops.length ? operatorGuard(this.db, this.table, old.seq, ops, this.now) : undefined);
  }

  /** `ids`: the rows' ids in input order, so a collision names the right one. */
  async run(ids: string[]): Promise<StoredRow[]> {
    let written: StoredRow[] = [];
    try {
      if (this.statements.length) written = await runRowBatch(this.db, this.table, this.api, this.statements, this.rowAt, ids);
    } catch (e) {
      if (!isGuardFailure(e) || !this.guarded.length) throw e;
      // Rows sharing one set of operators (a bulk update) are diagnosed in one query.
      const byOps = new Map<readonly OperatorUse[], number[]>();
      for (const { seq, ops } of this.guarded) byOps.set(ops, [...(byOps.get(ops) ?? []), seq]);
      for (const [ops, seqs] of byOps) {
        const why = await failedOperator(this.db, this.table, seqs, ops, this.now);
        if (why) throw new ApiError(this.api.errors.invalidStructure, `Invalid document structure: ${why}`);
      }
      throw new ApiError(this.api.errors.invalidStructure, 'Invalid document structure: an operator\'s result is not allowed');
    }
    return this.slots.map((slot) => (typeof slot === 'number' ? written[slot] : slot));
  }
}

export async function bulkCreateRows(
  db: D1Database,
  principal: Principal,
  table: TableDef,
  api: RowApi,
  docs: Record<string, unknown>[],
): Promise<StoredRow[]> {
  const ids = bulkIds(principal, api, docs);
  assertNoRelationValues(table, 'create', docs);
  const batch = new RowBatch(db, table, api);
  docs.forEach((doc, i) => {
    const checked = check(table, api, doc, 'create');
    batch.create(ids[i], checked, rowPermissionsOf(doc) ?? []);
  });
  return batch.run(ids);
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
  const ids = bulkIds(principal, api, docs);
  assertNoRelationValues(table, 'upsert', docs);
  const existing = await rowsById(db, table, ids);
  const batch = new RowBatch(db, table, api);
  docs.forEach((doc, i) => {
    const old = existing.get(ids[i]);
    const perms = rowPermissionsOf(doc);
    if (old) {
      const { plain, ops } = splitOperators(table, api, doc);
      batch.update(old, check(table, api, plain, 'update'), perms, ops);
    }
    else batch.create(ids[i], check(table, api, doc, 'create'), perms ?? []);
  });
  return batch.run(ids);
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
  // An update that names nothing to change is refused, as a single-row update is.
  if (Object.keys(data).length === 0) throw new ApiError(api.errors.missingPayload);
  assertNoRelationValues(table, 'update', [data]);
  const { plain, ops } = splitOperators(table, api, data);
  const checked = check(table, api, plain, 'update');
  const perms = rowPermissionsOf(data);
  const rows = await matchingRows(db, table, api, queries);
  const batch = new RowBatch(db, table, api);
  for (const old of rows) batch.update(old, checked, perms, ops);
  return batch.run(rows.map((r) => r.id));
}

export async function bulkDeleteRows(
  db: D1Database,
  principal: Principal,
  table: TableDef,
  api: RowApi,
  queries: string[],
  changes?: RelatedChanges,
): Promise<StoredRow[]> {
  assertKey(principal);
  const rows = await matchingRows(db, table, api, queries);
  if (rows.length === 0) return [];
  // Every row's onDelete rules (restrict re-checked in the batch, cascades, setNull) ride in the same batch.
  const related = await deleteRelationsPlan(db, api, table, rows.map((r) => r.id), changes);
  await db.batch([...related, ...deleteStatements(db, table, rows.map((r) => r.seq))]);
  return rows;
}
