/**
 * Running a row batch: D1 reports constraint failures only as text, so this maps them to
 * Appwrite's errors (a duplicate id, a unique index) and names the row that collided.
 */
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import type { RowApi } from './row-values';
import { ident } from './schema-sql';
import type { TableDef } from './types';

/** D1 reports constraint failures as text; tell a duplicate id from a unique index on a column. */
function constraintError(e: unknown, table: TableDef, api: RowApi, id: string): ApiError | null {
  const message = uniqueViolationText(e);
  if (!message) return null;
  if (message.includes(`${table.sqlName}._uid`)) return new ApiError(api.errors.alreadyExists, undefined, id);
  return new ApiError(api.errors.uniqueViolation);
}

/**
 * Runs a batch; maps constraint failures to Appwrite errors. A batch writing several rows names
 * the id that collided (the first of `ids`, in input order, that now exists), not just the first.
 */
export async function batchRows(db: D1Database, table: TableDef, api: RowApi, statements: D1PreparedStatement[], ids: string | string[]) {
  const list = typeof ids === 'string' ? [ids] : ids;
  try {
    return await db.batch<Record<string, unknown>>(statements);
  } catch (e) {
    const error = constraintError(e, table, api, list[0] ?? '');
    if (!error) throw e;
    if (error.type !== api.errors.alreadyExists || list.length < 2) throw error;
    throw new ApiError(api.errors.alreadyExists, undefined, (await firstExisting(db, table, list)) ?? list[0]);
  }
}

async function firstExisting(db: D1Database, table: TableDef, ids: string[]): Promise<string | null> {
  const found = await db
    .prepare(`SELECT j.value AS id FROM json_each(?) AS j JOIN ${ident(table.sqlName)} AS t ON t._uid = j.value ORDER BY j.key LIMIT 1`)
    .bind(JSON.stringify(ids))
    .first<{ id: string }>();
  return found?.id ?? null;
}

