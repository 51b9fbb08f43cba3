/**
 * Column writes: `ALTER TABLE` on the user table plus the metadata row, in one batch. A column
 * change that touches indexes (rename, delete) rewrites their metadata and SQL in the same batch.
 */
import { nowDate } from '../lib/time';
import { boundedRowWidth, checkColumn, MAX_ROW_BYTES, MAX_USER_COLUMNS, type ColumnSpec } from './column-rules';
import { flavoredError, type Flavor } from './flavor';
import { dropIndexStatements, indexSeqOf } from './index-store';
import { columnValues, INSERT_COLUMN_SQL, loadTable, touchTable } from './schema-store';
import { addColumnSql, createIndexSql, dropColumnSql, dropIndexSql, ident, renameColumnSql, tableSqlName, columnSqlName } from './schema-sql';
import type { ColumnDef, ColumnType, IndexDef, TableDef } from './types';

export function findColumn(flavor: Flavor, table: TableDef, key: string): ColumnDef {
  const column = table.columns.find((c) => c.key === key);
  if (!column) throw flavoredError(flavor, 'columnNotFound', undefined, key);
  return column;
}

function toDef(spec: ColumnSpec, now: string, createdAt = now): ColumnDef {
  return { ...spec, sqlName: columnSqlName(spec.key), status: 'available', createdAt, updatedAt: now };
}

type Sized = { key: string; type: ColumnType; size: number | null; array: boolean };

/** D1's row limit: the declared widths of the bounded columns must fit one row together. */
function checkRowWidth(flavor: Flavor, tableId: string, columns: readonly Sized[]): void {
  const width = boundedRowWidth(columns);
  if (width > MAX_ROW_BYTES) {
    throw flavoredError(
      flavor,
      'columnLimit',
      `The maximum size of columns for table '${tableId}' has been reached: the declared sizes total ${width} bytes and a D1 row holds at most ${MAX_ROW_BYTES}.`,
    );
  }
}

/**
 * Duplicate keys (case-insensitive, as SQLite column names are), D1's column limit and its row
 * size limit are refused before any SQL runs.
 */
export function checkNewColumn(flavor: Flavor, tableId: string, existing: readonly Sized[], spec: Sized): void {
  if (existing.some((c) => c.key.toLowerCase() === spec.key.toLowerCase())) throw flavoredError(flavor, 'columnExists', undefined, spec.key);
  if (existing.length >= MAX_USER_COLUMNS) throw flavoredError(flavor, 'columnLimit', undefined, tableId);
  checkRowWidth(flavor, tableId, [...existing, spec]);
}

/** ADD COLUMN + metadata insert for one column. */
export function columnStatements(db: D1Database, tableSeq: number, column: ColumnDef): D1PreparedStatement[] {
  return [
    db.prepare(addColumnSql(tableSeq, column)),
    db.prepare(INSERT_COLUMN_SQL).bind(tableSeq, ...columnValues(column)),
  ];
}

export async function createColumn(db: D1Database, flavor: Flavor, databaseId: string, tableId: string, spec: ColumnSpec): Promise<ColumnDef> {
  const table = await loadTable(db, databaseId, tableId, flavor);
  checkNewColumn(flavor, tableId, table.columns, spec);
  const now = nowDate();
  const column = toDef(spec, now);
  try {
    await db.batch([...columnStatements(db, table.seq, column), touchTable(db, table.seq, now)]);
  } catch (err) {
    if (/UNIQUE constraint failed: columns\.|duplicate column name/i.test(String(err))) throw flavoredError(flavor, 'columnExists', undefined, spec.key);
    throw err;
  }
  return column;
}

export interface ColumnUpdate {
  required: boolean;
  default: unknown;
  size?: number | null;
  min?: number | bigint | null;
  max?: number | bigint | null;
  elements?: string[];
  newKey?: string | null;
}

/**
 * Updates `required`, `default`, `size`, bounds, elements and optionally the key. The route's
 * type must be the column's type. Shrinking a string below a stored value is refused.
 */
export async function updateColumn(
  db: D1Database, flavor: Flavor, databaseId: string, tableId: string, key: string, type: ColumnType, update: ColumnUpdate,
): Promise<ColumnDef> {
  const table = await loadTable(db, databaseId, tableId, flavor);
  const column = findColumn(flavor, table, key);
  if (column.type !== type) throw flavoredError(flavor, 'columnTypeInvalid', undefined, key);
  const newKey = update.newKey && update.newKey !== key ? update.newKey : null;
  const spec = checkColumn(flavor, {
    key: newKey ?? key,
    type,
    required: update.required,
    array: column.array,
    default: update.default,
    size: update.size ?? column.size,
    min: update.min ?? column.min,
    max: update.max ?? column.max,
    elements: update.elements ?? column.elements,
    encrypt: column.encrypt,
  });
  checkRowWidth(flavor, tableId, [...table.columns.filter((c) => c.key !== key), spec]);
  const t = ident(tableSqlName(table.seq));
  if ((type === 'string' || type === 'varchar') && spec.size < (column.size ?? 0) && !column.array) {
    const tooLong = await db.prepare(`SELECT 1 FROM ${t} WHERE length(${ident(column.sqlName)}) > ? LIMIT 1`).bind(spec.size).first();
    if (tooLong) throw flavoredError(flavor, 'columnInvalidResize', 'Existing data is too large for new size, truncate your existing data then try again.');
  }
  const now = nowDate();
  const statements: D1PreparedStatement[] = [];
  if (newKey) {
    const others = table.columns.filter((c) => c.key !== key);
    const relationKeys = table.relationships.filter((r) => r.visible).map((r) => r.key);
    if ([...others.map((c) => c.key), ...relationKeys].some((k) => k.toLowerCase() === newKey.toLowerCase())) throw flavoredError(flavor, 'columnExists', undefined, newKey);
    if (newKey.toLowerCase() === key.toLowerCase()) {
      // SQLite names are case-insensitive: a case-only rename goes through a name no key can take.
      statements.push(db.prepare(renameColumnSql(table.seq, key, `_${key}`)), db.prepare(renameColumnSql(table.seq, `_${key}`, newKey)));
    } else {
      statements.push(db.prepare(renameColumnSql(table.seq, key, newKey)));
    }
    for (const index of table.indexes.filter((i) => i.columns.includes(key))) {
      const columns = index.columns.map((c) => (c === key ? newKey : c));
      statements.push(db.prepare('UPDATE indexes SET columns = ?, updated_at = ? WHERE seq = ?').bind(JSON.stringify(columns), now, indexSeqOf(index)));
    }
  }
  const values = columnValues(toDef(spec, now, column.createdAt));
  statements.push(
    db
      .prepare('UPDATE columns SET "key" = ?, type = ?, size = ?, required = ?, "array" = ?, default_value = ?, min = ?, max = ?, elements = ?, encrypt = ?, created_at = ?, updated_at = ? WHERE table_seq = ? AND "key" = ?')
      .bind(...values, table.seq, key),
    touchTable(db, table.seq, now),
  );
  await db.batch(statements);
  return toDef(spec, now, column.createdAt);
}

/**
 * Drops the column. As in Appwrite, indexes over it lose that column: an index left with no
 * column, or identical to another index, is dropped; any other is rebuilt over what remains.
 */
export async function deleteColumn(db: D1Database, flavor: Flavor, databaseId: string, tableId: string, key: string): Promise<ColumnDef> {
  const table = await loadTable(db, databaseId, tableId, flavor);
  const column = findColumn(flavor, table, key);
  const now = nowDate();
  const before: D1PreparedStatement[] = [];
  const after: D1PreparedStatement[] = [];
  const kept = table.indexes.filter((i) => !i.columns.includes(key));
  for (const index of table.indexes.filter((i) => i.columns.includes(key))) {
    const positions = index.columns.map((c, i) => (c === key ? -1 : i)).filter((i) => i >= 0);
    const rebuilt: IndexDef = {
      ...index,
      columns: positions.map((i) => index.columns[i]),
      orders: positions.filter((i) => i < index.orders.length).map((i) => index.orders[i]),
      lengths: positions.map((i) => index.lengths[i] ?? null),
      updatedAt: now,
    };
    const duplicate = kept.some((k) => JSON.stringify(k.columns) === JSON.stringify(rebuilt.columns) && JSON.stringify(k.orders) === JSON.stringify(rebuilt.orders));
    if (rebuilt.columns.length === 0 || duplicate) {
      before.push(...dropIndexStatements(db, table.seq, index));
      continue;
    }
    kept.push(rebuilt);
    before.push(...dropIndexSql(index).map((s) => db.prepare(s)));
    after.push(
      ...createIndexSql(table.seq, rebuilt, table.readRole).map((s) => db.prepare(s)),
      db
        .prepare('UPDATE indexes SET columns = ?, orders = ?, lengths = ?, updated_at = ? WHERE seq = ?')
        .bind(JSON.stringify(rebuilt.columns), JSON.stringify(rebuilt.orders), JSON.stringify(rebuilt.lengths), now, indexSeqOf(index)),
    );
  }
  await db.batch([
    ...before,
    db.prepare(dropColumnSql(table.seq, key)),
    ...after,
    db.prepare('DELETE FROM columns WHERE table_seq = ? AND "key" = ?').bind(table.seq, key),
    touchTable(db, table.seq, now),
  ]);
  return column;
}
