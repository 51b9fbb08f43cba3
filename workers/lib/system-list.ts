import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { ApiError } from './errors';
import {
  assertCursorRow, compileQueries, countSql, cursorRowSql, finishPage, listSql, parseQueries, quoteIdent, textMatchSql,
  type CursorWording, type FieldKind, type QueryField, type QueryTarget, type SqlFragment,
} from './query';

/**
 * Appwrite list queries over a system table (users, identities, teams, memberships, keys, the
 * databases metadata), through the shared query compiler (lib/query). System tables have no FTS
 * index, so the `search` parameter matches its search text with LIKE, one condition per word,
 * any word sufficing (Appwrite's full-text search is an OR of words too); the `search` query
 * method is not available on them.
 */
export interface SystemList {
  target: QueryTarget;
  /** SQL expression the `search` parameter matches (trusted). */
  search?: string;
  /** Appwrite's noun for the cursor error ("User 'x' for the 'cursor' value not found."). */
  noun: string;
  /** Words of the null-order error (default: documents, attribute). */
  wording?: Omit<CursorWording, 'noun'>;
  /**
   * A SELECT (trusted, `?` bound from the input's `sourceParams`) that defines `target.table` for
   * each statement, as a CTE: for lists whose attributes are computed, or scoped by a key that is
   * not unique on its own (a table id within its database), where the cursor must be looked up
   * in the scope too.
   */
  source?: string;
}

/** What a list route hands its store: the `queries`, `search` and `total` parameters. */
export interface SystemListInput {
  queries: string[];
  search?: string;
  total: boolean;
}

/**
 * A QueryTarget for a system table from the attributes Appwrite lets clients query
 * (`attribute → [column, kind, array?]`). Every system table has NOT NULL `id`, `created_at` and
 * `updated_at`, so `$id`, `$createdAt`, `$updatedAt` and `$sequence` are added as never null.
 */
export function systemTarget(table: string, seqColumn: string, fields: Record<string, [string, FieldKind, boolean?]>): QueryTarget {
  const out: Record<string, QueryField> = {
    $id: { column: 'id', kind: 'text', array: false, notNull: true },
    $createdAt: { column: 'created_at', kind: 'datetime', array: false, notNull: true },
    $updatedAt: { column: 'updated_at', kind: 'datetime', array: false, notNull: true },
    $sequence: { column: seqColumn, kind: 'integer', array: false, notNull: true },
  };
  for (const [attribute, [column, kind, array]] of Object.entries(fields)) out[attribute] = { column, kind, array: array ?? false };
  return { table, fields: out, idColumn: 'id', seqColumn };
}

/** `search` words as substrings of `expression`, any word matching; null when there are no words. */
export function searchFragment(expression: string, text: string): SqlFragment | null {
  const words = text.split(/\s+/).filter(Boolean).slice(0, 20);
  if (!words.length) return null;
  const params: string[] = [];
  const sql = words.map((w) => textMatchSql(expression, w, 'contains', false, (v) => (params.push(v), '?'))).join(' OR ');
  return { sql, params };
}

function and(parts: SqlFragment[]): SqlFragment | undefined {
  if (!parts.length) return undefined;
  return { sql: parts.map((p) => `(${p.sql})`).join(' AND '), params: parts.flatMap((p) => p.params) };
}

/**
 * Runs one page: the sequence keys of its rows in order (callers load the rows through drizzle,
 * which maps columns to models) and Appwrite's `total` (capped at 5000) when asked. `scope` holds
 * fixed conditions over bare column names (`user_id = ?`, the teams a user may read); the cursor
 * row must meet them too, so a cursor outside the caller's view is as unknown as a missing one.
 */
export async function runSystemList(
  db: D1Database,
  list: SystemList,
  input: SystemListInput & { scope?: SqlFragment[]; sourceParams?: unknown[] },
): Promise<{ keys: number[]; total: number }> {
  const compiled = compileQueries(input.queries, list.target);
  if (compiled.select) throw new ApiError('general_query_invalid', 'Invalid query: select is not supported on this list');

  const source: SqlFragment = list.source
    ? { sql: `WITH ${quoteIdent(list.target.table)} AS (${list.source}) `, params: input.sourceParams ?? [] }
    : { sql: '', params: [] };
  const prepare = (q: SqlFragment) => db.prepare(source.sql + q.sql).bind(...source.params, ...q.params);

  const scope = and(input.scope ?? []);
  const cursor = cursorRowSql(list.target, compiled);
  if (cursor) {
    const inScope = scope ? { sql: `${cursor.sql} AND ${scope.sql}`, params: [...cursor.params, ...scope.params] } : cursor;
    const row = await prepare(inScope).first<Record<string, unknown>>();
    assertCursorRow(row, compiled, { noun: list.noun, ...(list.wording ?? { items: 'documents', column: 'attribute' }) });
  }

  const extras = [...(input.scope ?? [])];
  if (input.search && list.search) {
    const found = searchFragment(list.search, input.search);
    if (found) extras.push(found);
  }
  const extra = and(extras);
  const page = listSql(list.target, compiled, { columns: `${quoteIdent(list.target.seqColumn)} AS k`, extra });
  const { results } = await prepare(page).all<{ k: number }>();
  const keys = finishPage(results, compiled).map((r) => r.k);

  let total = 0;
  if (input.total) total = (await prepare(countSql(list.target, compiled, { extra })).first<{ total: number }>())?.total ?? 0;
  return { keys, total };
}

/**
 * The page's rows, loaded through `load(where)` by their keys in `column` and put back in page
 * order. The keys travel as one JSON parameter: D1 binds at most 100 parameters per statement.
 */
export async function loadInKeyOrder<T>(
  keys: number[],
  column: SQLWrapper,
  load: (where: SQL) => Promise<T[]>,
  keyOf: (row: T) => number,
): Promise<T[]> {
  if (!keys.length) return [];
  return inKeyOrder(keys, await load(sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`), keyOf);
}

/** `rows` put in the order of `keys`; keys without a row (deleted meanwhile) are skipped. */
export function inKeyOrder<T>(keys: number[], rows: T[], keyOf: (row: T) => number): T[] {
  const byKey = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => byKey.get(k)).filter((r): r is T => r !== undefined);
}

const NOTHING_TO_FILTER: QueryTarget = { table: '', fields: {}, idColumn: '', seqColumn: '' };

/**
 * Lists Appwrite pages by `limit` and `offset` only (logs): the shared parser's limits and
 * messages, and any filter, order, cursor or select is `general_query_invalid`.
 */
export function pageOnly(queries: string[]): { limit: number; offset: number } {
  const parsed = parseQueries(queries, NOTHING_TO_FILTER);
  if (parsed.orders.length || parsed.cursor || parsed.select) {
    throw new ApiError('general_query_invalid', 'Invalid query: only limit and offset are supported on this list');
  }
  return { limit: parsed.limit, offset: parsed.offset };
}
