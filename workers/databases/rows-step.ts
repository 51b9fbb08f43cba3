/**
 * Increment and decrement of one numeric column: Appwrite's bounded steps, done in one UPDATE so
 * concurrent steps never pass the bound or the column's type range.
 */
import { ApiError } from '../lib/errors';
import type { Principal } from '../lib/principal';
import { nowDate } from '../lib/time';
import { floatStep, integerStep, type StepDirection } from './numeric-range';
import { canAccessRow } from './row-permissions';
import type { RowApi } from './row-values';
import { decodeRow, existingRow, findRow, q, rowSelectSql, type StoredRow } from './rows-store';
import type { ColumnDef, TableDef } from './types';

/** The numeric column an increment/decrement of `by` may step, or the Appwrite error why not. */
export function steppableColumn(table: TableDef, api: RowApi, key: string, by: number | bigint): ColumnDef {
  const col = table.columns.find((c) => c.key === key);
  if (!col) throw new ApiError(api.errors.columnNotFound, undefined, key);
  if (!['integer', 'bigint', 'float'].includes(col.type) || col.array) {
    throw new ApiError('attribute_type_invalid', `${api.sdkNamespace} "${key}" is not a number`);
  }
  if (!(by > 0)) throw new ApiError('general_argument_invalid', 'Value must be numeric and greater than 0');
  if (col.type !== 'float' && typeof by === 'number' && !Number.isInteger(by)) {
    throw new ApiError('general_argument_invalid', `Value must be an integer for ${api.flavor === 'tablesdb' ? 'column' : 'attribute'} "${key}"`);
  }
  return col;
}

/**
 * PATCH …/increment|decrement of `col` (from `steppableColumn`) on `found` (the row `id` as just
 * read): one UPDATE adds `by` and checks, in its WHERE, both the caller's bound and the column's
 * type range (numeric-range.ts), so concurrent steps can never pass `max`/`min` nor overflow. A
 * step past either is refused (`column_limit_exceeded` / `attribute_limit_exceeded`), never capped.
 */
export async function stepColumn(
  db: D1Database,
  principal: Principal,
  table: TableDef,
  api: RowApi,
  id: string,
  found: StoredRow | null,
  col: ColumnDef,
  direction: StepDirection,
  by: number | bigint,
  bound: number | bigint | null,
): Promise<StoredRow> {
  const old = existingRow(found, api, id);
  if (!canAccessRow(principal, table, old.permissions, 'update')) throw new ApiError('user_unauthorized');
  const c = q(col.sqlName);
  const step = col.type === 'float' ? floatStep(c, direction, Number(by), bound) : integerStep(col, c, direction, BigInt(by), bound);
  const stmt = db
    .prepare(`UPDATE ${q(table.sqlName)} SET ${c} = ${step.set}, _updatedAt = ? WHERE _seq = ? AND ${step.where} RETURNING ${rowSelectSql(table)}`)
    .bind(...step.setParams, nowDate(), old.seq, ...step.whereParams);
  const raw = await stmt.first<Record<string, unknown>>();
  if (raw) return decodeRow(table, raw);
  if (!(await findRow(db, table, id))) throw new ApiError(api.errors.notFound, undefined, id);
  const which = direction === 'increment' ? 'maximum' : 'minimum';
  throw new ApiError(api.errors.limitExceeded, `${api.sdkNamespace} "${col.key}" has reached the ${which} value of ${step.limit}`);
}
