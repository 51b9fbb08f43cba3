import { ApiError } from '../lib/errors';
import {
  checkCursor, compileQueries, countSql, escapeLike, finishPage, listSql, quoteIdent,
  type FieldKind, type QueryField, type QueryTarget, type SqlFragment,
} from '../lib/query';

/**
 * Appwrite list queries over a system table (users, identities, memberships), through the shared
 * query compiler (workers/lib/query). System tables have no FTS index, so the `search` parameter
 * matches its search text with LIKE, one condition per word, any word sufficing (Appwrite's
 * full-text search is an OR of words too); the `search` query method is not available on them.
 */
export interface SystemList {
  target: QueryTarget;
  /** SQL expression the `search` parameter matches (trusted). */
  search?: string;
  /** Appwrite's noun for the cursor error ("User 'x' for the 'cursor' value not found."). */
  noun: string;
}

/** A QueryTarget for a system table from `attribute → [column, kind, array?]`; `$sequence` is added. */
export function systemTarget(table: string, seqColumn: string, fields: Record<string, [string, FieldKind, boolean?]>): QueryTarget {
  const out: Record<string, QueryField> = { $sequence: { column: seqColumn, kind: 'integer', array: false } };
  for (const [attribute, [column, kind, array]] of Object.entries(fields)) out[attribute] = { column, kind, array: array ?? false };
  return { table, fields: out, idColumn: fields.$id[0], seqColumn };
}

/** `search` words as substrings of `expression`, any word matching; null when there are no words. */
export function searchFragment(expression: string, text: string): SqlFragment | null {
  const words = text.split(/\s+/).filter(Boolean).slice(0, 20);
  if (!words.length) return null;
  return {
    sql: words.map(() => `${expression} LIKE ? ESCAPE '\\'`).join(' OR '),
    params: words.map((w) => `%${escapeLike(w)}%`),
  };
}

function and(parts: SqlFragment[]): SqlFragment | undefined {
  if (!parts.length) return undefined;
  return { sql: parts.map((p) => `(${p.sql})`).join(' AND '), params: parts.flatMap((p) => p.params) };
}

/**
 * Runs one page: the sequence keys of its rows in order (callers load the rows through drizzle,
 * which maps columns to models) and Appwrite's `total` (capped at 5000) when asked. `extra` adds
 * fixed conditions such as `user_id = ?`.
 */
export async function runSystemList(
  db: D1Database,
  list: SystemList,
  input: { queries: string[]; search?: string; total: boolean; extra?: SqlFragment[] },
): Promise<{ keys: number[]; total: number }> {
  const compiled = compileQueries(input.queries, list.target);
  if (compiled.select) throw new ApiError('general_query_invalid', 'Invalid query: select is not supported on this list');
  await checkCursor(db, list.target, compiled, { noun: list.noun, items: 'documents', column: 'attribute' });

  const extras = [...(input.extra ?? [])];
  if (input.search && list.search) {
    const found = searchFragment(list.search, input.search);
    if (found) extras.push(found);
  }
  const extra = and(extras);
  const page = listSql(list.target, compiled, { columns: `${quoteIdent(list.target.seqColumn)} AS k`, extra });
  const { results } = await db.prepare(page.sql).bind(...page.params).all<{ k: number }>();
  const keys = finishPage(results, compiled).map((r) => r.k);

  let total = 0;
  if (input.total) {
    const count = countSql(list.target, compiled, { extra });
    total = (await db.prepare(count.sql).bind(...count.params).first<{ total: number }>())?.total ?? 0;
  }
  return { keys, total };
}

/** Puts rows loaded by key back into the page's order. */
export function inKeyOrder<T>(keys: number[], rows: T[], keyOf: (row: T) => number): T[] {
  const byKey = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => byKey.get(k)).filter((r): r is T => r !== undefined);
}
