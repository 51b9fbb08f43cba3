/**
 * Lists of rows: Appwrite queries compiled by lib/query, narrowed IN SQL to what the caller may
 * read (the permission `EXISTS` joins the WHERE), so the page, the `total`, the order and the
 * cursor are all computed over readable rows only — a stranger cannot learn that a row exists
 * from a count, a gap in an ordering, or a cursor (an unreadable cursor row is "not found").
 */
import { compileQueries, countSql, cursorRowSql, assertCursorRow, finishPage, listSql, parseQueries, type CompiledQuery, type RelatedScope, type SqlFragment } from '../lib/query';
import type { PendingReader } from '../lib/permissions-container';
import type { Principal } from '../lib/principal';
import { queryTargetFor, queryTargetWithRelations } from './query-target';
import type { Caller } from '../identity/batch';
import { relatedDefsFor, type RelatedDefs } from './relationships/query-defs';
import { assertMayRead, readScope, relatedReadScope } from './row-permissions';
import type { RowApi } from './row-values';
import { decodeRow, rowSelectSql, type StoredRow } from './rows-store';
import type { ReadPlan } from './table-cache';
import type { TableDef } from './types';

/** Appwrite counts `total` up to this many rows (APP_LIMIT_COUNT). */
const COUNT_LIMIT = 5000;

/** D1 cannot bind BigInt; SQLite compares an INTEGER column with integer-looking text numerically. */
export function bindable(params: readonly unknown[]): unknown[] {
  return params.map((p) => (typeof p === 'bigint' ? p.toString() : typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/** How cursor errors name the items of `api`. */
export function listWording(api: RowApi) {
  return api.flavor === 'tablesdb'
    ? { noun: 'Row', items: 'rows', column: 'column' }
    : { noun: 'Document', items: 'documents', column: 'attribute' };
}

/** The keys a `select` names for GET one row (null = everything). */
export function selectionOf(table: TableDef, queries: readonly string[]): string[] | null {
  if (queries.length === 0) return null;
  return parseQueries(queries, queryTargetFor(table)).select;
}

export interface RowPage {
  total: number;
  rows: StoredRow[];
  select: string[] | null;
}

/** The lookup of the cursor row as the caller may read it, or null without a cursor. */
function readableCursorStatement(db: D1Database, table: TableDef, compiled: CompiledQuery, extra: SqlFragment | undefined): D1PreparedStatement | null {
  const cursor = cursorRowSql(queryTargetFor(table), compiled);
  if (!cursor) return null;
  const sql = extra ? `${cursor.sql} AND ${extra.sql}` : cursor.sql;
  return db.prepare(sql).bind(...bindable([...cursor.params, ...(extra?.params ?? [])]));
}

/** Rejects a cursor that does not name a row the caller can read, before the page runs. */
async function checkReadableCursor(db: D1Database, table: TableDef, compiled: CompiledQuery, extra: SqlFragment | undefined, api: RowApi) {
  const statement = readableCursorStatement(db, table, compiled, extra);
  if (!statement) return;
  assertCursorRow(await statement.first<Record<string, unknown>>(), compiled, listWording(api));
}

/**
 * `reader`'s view of related tables, for filters on related columns (`author.name`): the
 * related rows it may not read are never matched (relatedReadScope).
 */
export function relatedScopeOf(reader: Principal | PendingReader, related: RelatedDefs): RelatedScope {
  return (target, alias) => {
    const table = related.bySqlName.get(target.table);
    if (!table) throw new Error(`relatedScopeOf: no definition for ${target.table}`);
    return relatedReadScope(reader, table, alias);
  };
}

/**
 * One page (and its `total`) as one batch: the cursor lookup, the page and the count run together;
 * an unreadable cursor is refused from the batch's own result, before the page is used.
 */
export function listPlan(
  db: D1Database,
  caller: Caller,
  table: TableDef,
  api: RowApi,
  queries: readonly string[],
  includeTotal: boolean,
  related?: RelatedDefs,
): ReadPlan<RowPage> {
  const reader = caller.reader;
  const target = related ? queryTargetWithRelations(table, related.byId) : queryTargetFor(table);
  const compiled = compileQueries(queries, target, related ? { relatedScope: relatedScopeOf(reader, related) } : undefined);
  const scope = readScope(reader, table, `${table.sqlName}._seq`);
  const extra: SqlFragment | undefined = scope.all ? undefined : { sql: scope.sql, params: scope.params };
  const cursor = readableCursorStatement(db, table, compiled, extra);
  const page = listSql(target, compiled, { columns: rowSelectSql(table), extra });
  const statements = [...(cursor ? [cursor] : []), db.prepare(page.sql).bind(...bindable(page.params))];
  if (includeTotal) {
    const count = countSql(target, compiled, { extra, max: COUNT_LIMIT });
    statements.push(db.prepare(count.sql).bind(...bindable(count.params)));
  }
  return {
    statements,
    finish: (results) => {
      // A caller checked in this batch is refused now if it may not list at all (the SQL kept nothing).
      if (reader.kind === 'pending') assertMayRead(caller.principal(), table);
      if (cursor) assertCursorRow(results.shift()!.results[0] ?? null, compiled, listWording(api));
      const [rows, counted] = results;
      return {
        total: includeTotal ? Number(counted.results[0]?.total ?? 0) : 0,
        rows: finishPage(rows.results, compiled).map((r) => decodeRow(table, r)),
        select: compiled.select,
      };
    },
  };
}

/**
 * Rows matching `queries` for bulk update/delete (API keys only, so no permission filter).
 * Without a `limit` query every match is taken, as Appwrite's bulk operations do.
 */
export async function matchingRows(db: D1Database, table: TableDef, api: RowApi, queries: readonly string[]): Promise<StoredRow[]> {
  const related = await relatedDefsFor(db, { databaseId: table.databaseId, tableId: table.id, flavor: api.flavor }, api, queries);
  const target = related ? queryTargetWithRelations(table, related.byId) : queryTargetFor(table);
  const hasLimit = queries.some((q) => /"method"\s*:\s*"limit"/.test(q));
  // API keys read every related row.
  const compiled = compileQueries(queries, target, related ? { relatedScope: () => null } : undefined);
  if (!hasLimit) compiled.limit = -1;
  await checkReadableCursor(db, table, compiled, undefined, api);
  const page = listSql(target, compiled, { columns: rowSelectSql(table) });
  const { results } = await db.prepare(page.sql).bind(...bindable(page.params)).all<Record<string, unknown>>();
  return finishPage(results, compiled).map((r) => decodeRow(table, r));
}
