/**
 * Atomic operators (the SDK's `Operator.*` inside update data) in a transaction. The replay
 * computes each with the very SQL a direct update runs (operators/sql.ts), over the row as the
 * transaction has it so far — materialised from one JSON parameter with its columns' names and
 * types — and refuses a result outside its column with the same check and wording as the direct
 * update's range guard. The commit writes the result behind the row's fingerprint guard: a row
 * changed since it was staged fails the commit, so what is written is what the operator gives on
 * the row as committed, and reads through the transaction see it applied.
 */
import { ApiError } from '../../lib/errors';
import { operatorSql, Params } from '../operators/sql';
import type { OperatorUse } from '../operators/parse';
import { fromSqlValue, selectExpr, toSqlValue, type RowApi } from '../row-values';
import type { StoredRow } from '../rows-store';
import { q } from '../rows-store';
import { sqlType } from '../schema-sql';
import type { TableDef } from '../types';

/** Column key → the value `ops` give on `row` (operators see the row before the write, as an UPDATE's SET does). */
export async function operatedValues(db: D1Database, table: TableDef, api: RowApi, row: StoredRow, ops: readonly OperatorUse[], now: string): Promise<Map<string, unknown>> {
  const base = table.columns.map((c, i) => `CAST(json_extract(?1, '$[${i}]') AS ${sqlType(c.type, c.array)}) AS ${q(c.sqlName)}`).join(', ');
  const p = new Params(2);
  const parts = ops.map((op) => operatorSql(op, p, now));
  const inner = [...parts.map((s, i) => `${s.set} AS ${q(s.col.sqlName)}`), ...parts.map((s, i) => `COALESCE((${s.check}), 0) AS k${i}`)].join(', ');
  const outer = [...parts.map((s) => selectExpr(s.col)), ...parts.map((_, i) => `k${i}`)].join(', ');
  const sql = `SELECT ${outer} FROM (SELECT ${inner} FROM (SELECT ${base}))`;
  const json = JSON.stringify(table.columns.map((c) => toSqlValue(c, row.values[c.key])));
  const result = await db.prepare(sql).bind(json, ...p.usedBy(sql)).first<Record<string, unknown>>();
  const refused = parts.findIndex((_, i) => !result?.[`k${i}`]);
  if (refused >= 0) throw new ApiError(api.errors.invalidStructure, `Invalid document structure: ${parts[refused].refusal}`);
  return new Map(parts.map((s) => [s.col.key, fromSqlValue(s.col, result![s.col.sqlName])]));
}
