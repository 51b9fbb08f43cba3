/**
 * Reads through a transaction (`transactionId` on listRows): the list's own compiled query run
 * over the table as the commit would leave it. A CTE `_tx` stands in for the table — its committed
 * rows the transaction does not touch (narrowed by the caller's read scope, as a list narrows
 * them), plus the rows the replay ends with (replay.ts), materialised from one JSON parameter and
 * kept when the caller may read them. Filters, orders, the `$sequence` tiebreaker, cursors,
 * limit/offset and `total` then behave exactly as after the commit; nothing is paged in JS.
 *
 * Rows the transaction creates get the `$sequence` the commit will give them in order: after every
 * committed row, in the order the commit inserts them (their exact values depend on writes by
 * others before the commit). Time stamps are the read's, not the commit's.
 */
import { assertCursorRow, compileQueries, countSql, cursorRowSql, finishPage, listSql, type QueryTarget } from '../../lib/query';
import { formatPermissions } from '../../lib/permissions';
import type { Principal } from '../../lib/principal';
import { queryTargetFor } from '../query-target';
import { canAccessRow, readScope } from '../row-permissions';
import { toSqlValue } from '../row-values';
import { bindable, listWording, type RowPage } from '../rows-list';
import { decodeRow, q, rowSelectSql, type StoredRow } from '../rows-store';
import type { RowApi } from '../row-values';
import { sqlType } from '../schema-sql';
import type { TableDef } from '../types';
import type { RowState } from './replay';

/** The CTE's name: the compiled query reads it in place of the table. */
const OVERLAY = '_tx';

/** Appwrite counts `total` up to this many rows (APP_LIMIT_COUNT), as rows-list does. */
const COUNT_LIMIT = 5000;

/** `WITH _tx AS (…)` for `table` overlaid with `states` (the replay's states of this table). */
export function overlayCte(table: TableDef, principal: Principal, states: readonly RowState[]): { sql: string; params: unknown[] } {
  const changed = states.filter((s) => s.row !== s.start);
  const staged: unknown[][] = [];
  let created = 0;
  for (const st of changed) {
    if (!st.row) continue;
    // The commit inserts new rows in the order of the replay's states; each takes the next `_seq`.
    const position = st.start ? null : ++created;
    if (!canAccessRow(principal, table, st.row.permissions, 'read')) continue;
    const row = st.row;
    staged.push([
      st.start ? st.start.seq : null,
      position,
      row.id,
      row.createdAt,
      row.updatedAt,
      JSON.stringify(formatPermissions(row.permissions)),
      ...table.columns.map((c) => toSqlValue(c, row.values[c.key])),
    ]);
  }
  const own = q(table.sqlName);
  const columns = table.columns.map((c) => q(c.sqlName));
  const scope = readScope(principal, table, `${table.sqlName}._seq`);
  const committed = `SELECT _seq, _uid, _createdAt, _updatedAt, _permissions${columns.map((c) => `, ${c}`).join('')} FROM ${own} WHERE _uid NOT IN (SELECT value FROM json_each(?))${scope.all ? '' : ` AND ${scope.sql}`}`;
  const at = (i: number) => `json_extract(value, '$[${i}]')`;
  // CAST gives each staged value the type and affinity the table's column gives what it stores.
  const fromJson = [
    `COALESCE(${at(0)}, (SELECT COALESCE(MAX(_seq), 0) FROM ${own}) + ${at(1)}) AS _seq`,
    `${at(2)} AS _uid`,
    `${at(3)} AS _createdAt`,
    `${at(4)} AS _updatedAt`,
    `${at(5)} AS _permissions`,
    ...table.columns.map((c, i) => `CAST(${at(6 + i)} AS ${sqlType(c.type, c.array)}) AS ${columns[i]}`),
  ];
  return {
    sql: `WITH ${q(OVERLAY)} AS (${committed} UNION ALL SELECT ${fromJson.join(', ')} FROM json_each(?)) `,
    params: [JSON.stringify(changed.map((s) => s.id)), ...(scope.all ? [] : scope.params), JSON.stringify(staged)],
  };
}

/** The list query's target, reading the overlay instead of the table (same fields, indexes, tiebreaker). */
function overlayTarget(table: TableDef): QueryTarget {
  return { ...queryTargetFor(table), table: OVERLAY };
}

/** One page (and its `total`) of `table` as the transaction would leave it, in one batch. */
export function listOverlay(
  db: D1Database, principal: Principal, table: TableDef, api: RowApi, states: readonly RowState[], queries: readonly string[], includeTotal: boolean,
): Promise<RowPage> {
  return runOverlay(db, principal, table, api, states, queries, { includeTotal, unlimited: false });
}

/**
 * The rows a staged bulkUpdate/bulkDelete's queries select at its place in the transaction: over
 * the table as the operations before it leave it (Appwrite applies a transaction's operations in
 * order, so earlier staged rows are seen); without a `limit` query, every match.
 */
export async function matchOverlay(
  db: D1Database, principal: Principal, table: TableDef, api: RowApi, states: readonly RowState[], queries: readonly string[],
): Promise<StoredRow[]> {
  const unlimited = !queries.some((x) => /"method"\s*:\s*"limit"/.test(x));
  return (await runOverlay(db, principal, table, api, states, queries, { includeTotal: false, unlimited })).rows;
}

async function runOverlay(
  db: D1Database, principal: Principal, table: TableDef, api: RowApi, states: readonly RowState[], queries: readonly string[],
  opts: { includeTotal: boolean; unlimited: boolean },
): Promise<RowPage> {
  const cte = overlayCte(table, principal, states);
  const target = overlayTarget(table);
  const compiled = compileQueries(queries, target, { paramBudget: 80 - cte.params.length });
  if (opts.unlimited) compiled.limit = -1;
  const run = (sql: string, params: readonly unknown[]) => db.prepare(cte.sql + sql).bind(...bindable([...cte.params, ...params]));
  const cursor = cursorRowSql(target, compiled);
  const page = listSql(target, compiled, { columns: rowSelectSql(table) });
  const statements = [...(cursor ? [run(cursor.sql, cursor.params)] : []), run(page.sql, page.params)];
  if (opts.includeTotal) {
    const count = countSql(target, compiled, { max: COUNT_LIMIT });
    statements.push(run(count.sql, count.params));
  }
  const results = await db.batch<Record<string, unknown>>(statements);
  if (cursor) assertCursorRow(results.shift()!.results[0] ?? null, compiled, listWording(api));
  const [rows, counted] = results;
  return {
    total: opts.includeTotal ? Number(counted.results[0]?.total ?? 0) : 0,
    rows: finishPage(rows.results, compiled).map((r) => decodeRow(table, r)),
    select: compiled.select,
  };
}
