/**
 * `GET …/tables/{t}/aggregate` (Ledge extension): count, sum, avg, min and max over the rows a
 * list with the same queries would show the caller — the permission filter joins the SQL WHERE,
 * as for lists (rows-list.ts), so nothing unreadable is counted. Grouped by up to five columns.
 */
import type { Caller } from '../identity/batch';
import { aggregateSql, compileQueries, groupAlias, metricAlias, parseAggregation, type Metric, type SqlFragment } from '../lib/query';
import { queryTargetFor } from './query-target';
import { assertMayRead, readScope } from './row-permissions';
import { fromSqlValue, UndecodableValue } from './row-values';
import { bindable } from './rows-list';
import type { ReadPlan } from './table-cache';
import type { TableDef } from './types';

export interface AggregateGroup {
  /** The group's column values (empty without groupBy). */
  group: Record<string, unknown>;
  /** Metric name (`count`, `sum:price`) → value; null for sum/avg/min/max over no values. */
  metrics: Record<string, unknown>;
}

/** Integer aggregates come back as text (exact); shown as numbers when safe, else as bigint. */
function integerOut(raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  const big = BigInt(String(raw));
  return Number.isSafeInteger(Number(big)) ? Number(big) : big;
}

/** A metric's value in the shape its column has: exact integers, numbers, text, booleans. */
function metricValue(m: Metric, v: unknown): unknown {
  if (m.fn === 'count' || (m.field?.kind === 'integer' && m.fn !== 'avg')) return integerOut(v);
  if (v === null || v === undefined) return null;
  if (m.fn === 'sum' || m.fn === 'avg' || m.field?.kind === 'real') return Number(v);
  if (m.field?.kind === 'boolean') return v === 1 || v === true;
  return v;
}

function decodeGroupValue(table: TableDef, attribute: string, raw: unknown): unknown {
  const col = table.columns.find((c) => c.key === attribute);
  if (!col) return raw;
  try {
    return fromSqlValue(col, raw);
  } catch (e) {
    if (e instanceof UndecodableValue) return null;
    throw e;
  }
}

export function aggregatePlan(db: D1Database, caller: Caller, table: TableDef, queries: readonly string[], metrics: readonly string[], groupBy: readonly string[]): ReadPlan<{ total: number; groups: AggregateGroup[] }> {
  const target = queryTargetFor(table);
  const compiled = compileQueries(queries, target);
  const spec = parseAggregation(target, metrics, groupBy);
  const scope = readScope(caller.reader, table, `${table.sqlName}._seq`);
  const extra: SqlFragment | undefined = scope.all ? undefined : { sql: scope.sql, params: scope.params };
  const stmt = aggregateSql(target, compiled, spec, { extra });
  return {
    statements: [db.prepare(stmt.sql).bind(...bindable(stmt.params))],
    finish: ([result]) => {
      if (caller.reader.kind === 'pending') assertMayRead(caller.principal(), table);
      const groups = result.results.map((raw) => ({
        group: Object.fromEntries(spec.groupBy.map((g, i) => [g.attribute, decodeGroupValue(table, g.attribute, raw[groupAlias(i)])])),
        metrics: Object.fromEntries(
          spec.metrics.map((m, i) => {
            return [m.name, metricValue(m, raw[metricAlias(i)])];
          }),
        ),
      }));
      return { total: groups.length, groups };
    },
  };
}
