/**
 * Aggregation over the same filters as a list (a Ledge extension; Appwrite #5667): `count`, and
 * `sum`, `avg`, `min`, `max` of a column, optionally per group of up to five columns. The WHERE
 * is the list's own filter plus the caller's condition (the permission filter), so a caller
 * aggregates exactly the rows a list would show it. Metrics are written `count`, `sum:price`,
 * `avg:score`, `min:createdAt`, …; results come back keyed by that same text.
 */
import { ApiError } from '../errors';
import { quoteIdent } from './compile';
import type { CompiledQuery, QueryField, QueryTarget, SqlFragment } from './types';

export const AGGREGATE_FUNCTIONS = ['count', 'sum', 'avg', 'min', 'max'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];
export const MAX_METRICS = 20;
export const MAX_GROUP_BY = 5;
/** Groups returned at most (ordered by the group values). */
export const MAX_GROUPS = 5000;

export interface Metric {
  /** As requested: `count`, `sum:price`. */
  name: string;
  fn: AggregateFunction;
  attribute: string | null;
  field: QueryField | null;
}

export interface AggregateSpec {
  metrics: Metric[];
  groupBy: { attribute: string; field: QueryField }[];
}

function invalid(message: string): never {
  throw new ApiError('general_argument_invalid', message);
}

function scalarField(target: QueryTarget, attribute: string, why: string): QueryField {
  const field = target.fields[attribute];
  if (!field) invalid(`Attribute not found in schema: ${attribute}`);
  if (field.array) invalid(`Cannot ${why} array attribute: ${attribute}`);
  return field;
}

/** Checks metric and groupBy names against `target`. */
export function parseAggregation(target: QueryTarget, metrics: readonly string[], groupBy: readonly string[]): AggregateSpec {
  if (metrics.length === 0) invalid('At least one metric is required, e.g. "count" or "sum:price"');
  if (metrics.length > MAX_METRICS) invalid(`At most ${MAX_METRICS} metrics`);
  if (groupBy.length > MAX_GROUP_BY) invalid(`At most ${MAX_GROUP_BY} groupBy attributes`);
  const parsed = [...new Set(metrics)].map((name): Metric => {
    const [fn, attribute, ...rest] = name.split(':');
    if (!(AGGREGATE_FUNCTIONS as readonly string[]).includes(fn) || rest.length) invalid(`Invalid metric "${name}": use count, or sum|avg|min|max:<attribute>`);
    if (fn === 'count') {
      if (attribute !== undefined) invalid('The "count" metric takes no attribute');
      return { name, fn, attribute: null, field: null };
    }
    if (!attribute) invalid(`The "${fn}" metric needs an attribute ("${fn}:<attribute>")`);
    const field = scalarField(target, attribute, fn);
    if ((fn === 'sum' || fn === 'avg') && field.kind !== 'integer' && field.kind !== 'real') invalid(`Cannot ${fn} non-numeric attribute: ${attribute}`);
    return { name, fn: fn as AggregateFunction, attribute, field };
  });
  const groups = [...new Set(groupBy)].map((attribute) => ({ attribute, field: scalarField(target, attribute, 'group by') }));
  return { metrics: parsed, groupBy: groups };
}

/** Metric `i`'s result column (`m0`, …) and group `i`'s (`g0`, …): aliases never come from input. */
export const metricAlias = (i: number) => `m${i}`;
export const groupAlias = (i: number) => `g${i}`;

function metricSql(m: Metric): string {
  if (m.fn === 'count') return 'COUNT(*)';
  const col = quoteIdent(m.field!.column);
  // Integer sums stay exact and integer (TOTAL would be a float); text for values beyond 2^53.
  if (m.fn === 'sum' && m.field!.kind === 'integer') return `CAST(SUM(${col}) AS TEXT)`;
  if (m.fn === 'sum') return `TOTAL(${col})`;
  if ((m.fn === 'min' || m.fn === 'max') && m.field!.kind === 'integer') return `CAST(${m.fn.toUpperCase()}(${col}) AS TEXT)`;
  return `${m.fn.toUpperCase()}(${col})`;
}

/** `SELECT <groups>, <metrics> FROM <table> WHERE <filters> AND <extra> GROUP BY … ORDER BY … LIMIT`. */
export function aggregateSql(target: QueryTarget, compiled: CompiledQuery, spec: AggregateSpec, opts: { extra?: SqlFragment } = {}): SqlFragment {
  const parts = [compiled.filter, opts.extra ?? { sql: '', params: [] }].filter((p) => p.sql !== '');
  const where = parts.length ? ` WHERE ${parts.map((p) => `(${p.sql})`).join(' AND ')}` : '';
  const groups = spec.groupBy.map((g, i) => `${quoteIdent(g.field.column)} AS ${groupAlias(i)}`);
  const metrics = spec.metrics.map((m, i) => `${metricSql(m)} AS ${metricAlias(i)}`);
  const groupBy = spec.groupBy.length ? ` GROUP BY ${spec.groupBy.map((_, i) => groupAlias(i)).join(', ')} ORDER BY ${spec.groupBy.map((_, i) => groupAlias(i)).join(', ')}` : '';
  return {
    sql: `SELECT ${[...groups, ...metrics].join(', ')} FROM ${quoteIdent(target.table)}${where}${groupBy} LIMIT ${MAX_GROUPS}`,
    params: parts.flatMap((p) => p.params),
  };
}
