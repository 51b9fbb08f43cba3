/**
 * Conditional aborts for D1 batches. D1 has no BEGIN; a batch is one transaction that rolls back
 * when any statement fails. A guard statement inserts into `write_guards` (migrations/0022), whose
 * CHECK refuses every row, exactly when its condition does NOT hold — so a batch carrying guards
 * commits only if every condition held at that point of the batch, and otherwise changes nothing.
 */
import type { TableDef } from '../types';
import { operatorSql, Params } from './sql';
import type { OperatorUse } from './parse';

const GUARD_CONSTRAINT = 'ledge_write_guard';
const q = (name: string) => `"${name.replaceAll('"', '')}"`;

/** A guard that fails unless `condition` (SQL over the FROM of `from`) holds. */
export function guardStatement(db: D1Database, condition: string, params: readonly unknown[], from = ''): D1PreparedStatement {
  return db.prepare(`INSERT INTO write_guards (ok) SELECT 0 ${from} ${from ? 'AND' : 'WHERE'} NOT COALESCE((${condition}), 0)`).bind(...params);
}

/** Did a batch fail because one of its guards refused? */
export function isGuardFailure(e: unknown): boolean {
  let text = '';
  for (let err: unknown = e, depth = 0; err && depth < 4; err = (err as { cause?: unknown }).cause, depth++) {
    text += ` ${err instanceof Error ? err.message : String(err)}`;
  }
  return text.includes(GUARD_CONSTRAINT) || (text.includes('CHECK constraint failed') && text.includes('ok'));
}

/** The guard of a row's operators: the batch aborts unless every result is allowed. */
export function operatorGuard(db: D1Database, table: TableDef, seq: number, ops: readonly OperatorUse[], now: string): D1PreparedStatement {
  const p = new Params(2);
  const checks = ops.map((op) => `(${operatorSql(op, p, now).check})`).join(' AND ');
  return guardStatement(db, checks, [seq, ...p.usedBy(checks)], `FROM ${q(table.sqlName)} WHERE _seq = ?1`);
}

/**
 * After a refused guard: the refusal of the first operator whose check fails now on one of the
 * rows `seqs` (all given the same operators), or null when every check passes.
 */
export async function failedOperator(db: D1Database, table: TableDef, seqs: readonly number[], ops: readonly OperatorUse[], now: string): Promise<string | null> {
  const p = new Params(2);
  const checks = ops.map((op) => `COALESCE((${operatorSql(op, p, now).check}), 0)`);
  const sql = `SELECT ${checks.map((c, i) => `${c} AS k${i}`).join(', ')} FROM ${q(table.sqlName)} WHERE _seq IN (SELECT value FROM json_each(?1)) AND NOT (${checks.join(' AND ')}) LIMIT 1`;
  const row = await db.prepare(sql).bind(JSON.stringify(seqs), ...p.usedBy(sql)).first<Record<string, number>>();
  const i = row ? ops.findIndex((_, i) => !row[`k${i}`]) : -1;
  return i < 0 ? null : operatorSql(ops[i], new Params(1), now).refusal;
}

/** `failedOperator`, with a fallback wording when the rows changed since. */
export async function operatorRefusal(db: D1Database, table: TableDef, seqs: readonly number[], ops: readonly OperatorUse[], now: string): Promise<string> {
  return (await failedOperator(db, table, seqs, ops, now)) ?? `Attribute "${ops[0].col.key}": the operator's result is not allowed`;
}
