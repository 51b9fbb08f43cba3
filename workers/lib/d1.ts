import { getTableColumns, getTableName, type Column, type Table } from 'drizzle-orm';

/**
 * D1 reports constraint failures only as text ("UNIQUE constraint failed: users.email"), and
 * drizzle wraps it as the `cause` of its own "Failed query" error. The text of a UNIQUE violation
 * (naming `table.column`, so callers can tell which one), or null for any other error.
 */
export function uniqueViolationText(err: unknown): string | null {
  let text = '';
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    text += ` ${e instanceof Error ? e.message : String(e)}`;
  }
  return text.includes('UNIQUE constraint failed') ? text : null;
}

/**
 * `sql` with its anonymous `?` parameters numbered `?first`, `?first+1`, … in order, so a
 * condition written with `?` can follow a statement's own numbered ones (`?1…?n`) without
 * relying on how anonymous and numbered parameters mix. `sql` must hold no `?` in a literal.
 */
export function numberedFrom(sql: string, first: number): string {
  let n = first;
  return sql.replace(/\?(?![0-9])/g, () => `?${n++}`);
}

/**
 * Reads rows of a drizzle table with a plain D1 statement, so the read can sit in any
 * `env.DB.batch([...])` beside raw SQL (user tables, version checks): the SELECT list names every
 * column, and `decode` maps a raw row back to drizzle's typed row (JSON, booleans) with the
 * columns' own mappers — no second description of the table to drift.
 */
export function rawReader<T extends Table>(table: T, only?: readonly (keyof T['$inferSelect'] & string)[]) {
  // `only`: a narrower SELECT (fewer values for D1 to send and decode); the rest decode as null.
  const columns = (Object.entries(getTableColumns(table)) as [string, Column][]).filter(([key]) => !only || only.includes(key));
  const list = columns.map(([, col]) => `"${col.name}"`).join(', ');
  const select = `SELECT ${list} FROM "${getTableName(table)}"`;
  return {
    /** `SELECT <every column> FROM <table>`; append the WHERE clause. */
    select,
    /** The column list alone (for `RETURNING`). */
    columns: list,
    /** The column list read from `alias` in a join, under the names `decode` expects. */
    columnsOf(alias: string): string {
      return columns.map(([, col]) => `${alias}."${col.name}" AS "${col.name}"`).join(', ');
    },
    decode(raw: Record<string, unknown>): T['$inferSelect'] {
      const row: Record<string, unknown> = {};
      for (const [key, col] of columns) {
        const value = raw[col.name];
        row[key] = value === null || value === undefined ? null : col.mapFromDriverValue(value);
      }
      return row as T['$inferSelect'];
    },
  };
}
