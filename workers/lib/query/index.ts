/**
 * Appwrite queries on D1. Typical list endpoint:
 *
 *   const target = queryTargetFor(table);                      // databases/query-target.ts, or systemTarget(...)
 *   const q = compileQueries(queries, target);                 // 400 general_query_invalid
 *   await checkCursor(env.DB, target, q);                      // 400 general_cursor_not_found / database_query_order_null
 *   const stmt = listSql(target, q, { columns: '*', extra: permissionFilter });
 *   const rows = finishPage((await env.DB.prepare(stmt.sql).bind(...stmt.params).all()).results, q);
 *   const total = countSql(target, q, { extra: permissionFilter });
 */
import { compile, quoteIdent, type CompileOptions } from './compile';
import { parseQueries } from './parse';
import type { CompiledQuery, QueryTarget, SqlFragment } from './types';

export type * from './types';
export { QUERY_LIMITS, parseQueries } from './parse';
export { compile, escapeLike, ftsMatchExpression, quoteIdent, type CompileOptions, type RelatedScope } from './compile';
export { containsAnySql, LIKE_PATTERN_MAX_BYTES, likeFits, textMatchSql } from './like';
export { assertCursorRow, checkCursor, cursorRowSql, type CursorWording } from './cursor';
export { aggregateSql, groupAlias, metricAlias, parseAggregation, AGGREGATE_FUNCTIONS, MAX_GROUP_BY, MAX_METRICS, type AggregateSpec, type Metric } from './aggregate';
export { matchesPayload, parseRuntimeQueries, RUNTIME_METHODS, type RuntimeCondition, type RuntimeFilter } from './runtime';

/** Parses, validates and compiles Appwrite query strings for `target`. */
export function compileQueries(raw: readonly string[], target: QueryTarget, opts?: CompileOptions): CompiledQuery {
  return compile(parseQueries(raw, target), target, opts);
}

function whereOf(...parts: SqlFragment[]): SqlFragment {
  const present = parts.filter((p) => p && p.sql !== '');
  if (!present.length) return { sql: '', params: [] };
  return { sql: ` WHERE ${present.map((p) => `(${p.sql})`).join(' AND ')}`, params: present.flatMap((p) => p.params) };
}

/**
 * The page query: `SELECT <columns> FROM <table> WHERE <queries> AND <extra> ORDER BY … LIMIT ? OFFSET ?`.
 * `extra` is the caller's own condition (e.g. the permission EXISTS), `columns` trusted SQL.
 */
export function listSql(target: QueryTarget, compiled: CompiledQuery, opts: { columns: string; extra?: SqlFragment }): SqlFragment {
  const where = whereOf(compiled.where, opts.extra ?? { sql: '', params: [] });
  return {
    sql: `SELECT ${opts.columns} FROM ${quoteIdent(target.table)}${where.sql} ORDER BY ${compiled.orderBy} LIMIT ? OFFSET ?`,
    params: [...where.params, compiled.limit, compiled.offset],
  };
}

/** Appwrite's `total`: rows matching the filters (cursor, limit and offset ignored), counted up to `max`. */
export function countSql(target: QueryTarget, compiled: CompiledQuery, opts: { extra?: SqlFragment; max?: number } = {}): SqlFragment {
  const where = whereOf(compiled.filter, opts.extra ?? { sql: '', params: [] });
  return {
    sql: `SELECT COUNT(*) AS total FROM (SELECT 1 FROM ${quoteIdent(target.table)}${where.sql} LIMIT ?)`,
    params: [...where.params, opts.max ?? 5000],
  };
}

/** Rows in the requested order: a `cursorBefore` page is fetched backwards. */
export function finishPage<T>(rows: T[], compiled: CompiledQuery): T[] {
  return compiled.reverse ? [...rows].reverse() : rows;
}
