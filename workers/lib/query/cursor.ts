/**
 * Cursor checks that must run before (or batched with) a list: Appwrite answers a cursor id that
 * does not exist with `general_cursor_not_found`, and a cursor row whose order values are null
 * with `database_query_order_null`. The keyset SQL itself handles nulls, so this is parity, not
 * safety.
 */
import { ApiError } from '../errors';
import { quoteIdent } from './compile';
import type { CompiledQuery, QueryTarget, SqlFragment } from './types';

export interface CursorWording {
  /** `Row`, `Document`, `User`, … — "Row 'x' for the 'cursor' value not found." */
  noun: string;
  /** `rows` / `documents` in the null-order message. */
  items: string;
  /** `column` / `attribute` in the null-order message. */
  column: string;
}

const ROWS: CursorWording = { noun: 'Row', items: 'rows', column: 'column' };

/** `SELECT` of the cursor row's order values (`o0`, `o1`, …) by id, or null without a cursor. */
export function cursorRowSql(target: QueryTarget, compiled: CompiledQuery): SqlFragment | null {
  if (!compiled.cursor) return null;
  const columns = compiled.orders.map((o, i) => `${quoteIdent(o.column)} AS o${i}`);
  return {
    sql: `SELECT ${columns.join(', ')} FROM ${quoteIdent(target.table)} WHERE ${quoteIdent(target.idColumn)} = ?`,
    params: [compiled.cursor.id],
  };
}

/** Throws Appwrite's error for a missing cursor row (`row` null) or a null order value. */
export function assertCursorRow(row: Record<string, unknown> | null | undefined, compiled: CompiledQuery, wording: CursorWording = ROWS): void {
  if (!compiled.cursor) return;
  if (!row) throw new ApiError('general_cursor_not_found', `${wording.noun} '${compiled.cursor.id}' for the 'cursor' value not found.`);
  compiled.orders.forEach((o, i) => {
    if (row[`o${i}`] === null || row[`o${i}`] === undefined) {
      throw new ApiError(
        'database_query_order_null',
        `The order ${wording.column} '${o.attribute}' had a null value. Cursor pagination requires all ${wording.items} order ${wording.column} values are non-null.`,
      );
    }
  });
}

/** Looks the cursor row up and asserts it; a no-op without a cursor. */
export async function checkCursor(db: D1Database, target: QueryTarget, compiled: CompiledQuery, wording: CursorWording = ROWS): Promise<void> {
  const q = cursorRowSql(target, compiled);
  if (!q) return;
  const row = await db.prepare(q.sql).bind(...q.params).first<Record<string, unknown>>();
  assertCursorRow(row, compiled, wording);
}
