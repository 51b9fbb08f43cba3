/**
 * Appwrite's realtime subscription queries (`RuntimeQuery`): the same JSON query strings as lists,
 * parsed by the same reader (parse.ts), but checked against no schema and evaluated in memory
 * against each event's payload instead of compiled to SQL. Only `equal`, `notEqual`,
 * `lessThan(Equal)`, `greaterThan(Equal)`, `isNull`, `isNotNull`, `and`, `or` and `select("*")`
 * are allowed. A subscription's queries must all match (AND); no queries, or `select("*")`,
 * matches every payload.
 *
 * Comparisons are strictly typed, as Appwrite's `===`: a number equals only a number, a string
 * only a string; ordering compares two numbers or two strings and is false for any other pair.
 * A leaf on an attribute the payload lacks is false (`isNull` included).
 */
import { QUERY_LIMITS, invalid, rawQuery, readQueryStrings, type RawQuery } from './parse';

export const RUNTIME_METHODS = [
  'equal', 'notEqual', 'lessThan', 'lessThanEqual', 'greaterThan', 'greaterThanEqual', 'isNull', 'isNotNull', 'and', 'or', 'select',
] as const;

type LeafMethod = Exclude<(typeof RUNTIME_METHODS)[number], 'and' | 'or' | 'select'>;

export type RuntimeCondition =
  | { op: 'and' | 'or'; conditions: RuntimeCondition[] }
  | { op: LeafMethod; attribute: string; values: unknown[] };

/** A subscription's compiled queries: null matches everything (`select("*")` or none). */
export type RuntimeFilter = RuntimeCondition[] | null;

const ALLOWED = new Set<string>(RUNTIME_METHODS);
const SINGLE = new Set<string>(['notEqual', 'lessThan', 'lessThanEqual', 'greaterThan', 'greaterThanEqual']);

function condition(q: RawQuery, depth: number): RuntimeCondition {
  if (!ALLOWED.has(q.method) || q.method === 'select') {
    invalid(`Query method '${q.method}' is not supported in Realtime queries. Allowed: ${RUNTIME_METHODS.join(', ')}`);
  }
  if (q.method === 'and' || q.method === 'or') {
    if (depth > QUERY_LIMITS.maxDepth) invalid(`Invalid query: and/or queries may be nested at most ${QUERY_LIMITS.maxDepth} levels deep`);
    if (q.values.length < 2) invalid(`Invalid query: ${q.method === 'and' ? 'And' : 'Or'} queries require at least two queries`);
    return { op: q.method, conditions: q.values.map((v) => condition(rawQuery(v), depth + 1)) };
  }
  if (q.attribute === '') invalid(`Invalid query: ${q.method} queries require an attribute`);
  if (q.values.length > QUERY_LIMITS.maxValues) invalid(`Invalid query: Query on attribute has greater than ${QUERY_LIMITS.maxValues} values: ${q.attribute}`);
  if (q.method === 'equal' && q.values.length === 0) invalid('Invalid query: Equal queries require at least one value.');
  if (SINGLE.has(q.method) && q.values.length !== 1) invalid(`Invalid query: ${q.method[0].toUpperCase()}${q.method.slice(1)} queries require exactly one value.`);
  // Payloads travel as JSON numbers, so an int64 literal compares as the nearest number.
  const values = q.values.map((v) => (typeof v === 'bigint' ? Number(v) : v));
  return { op: q.method as LeafMethod, attribute: q.attribute, values };
}

/**
 * Parses and checks a subscription's query strings; throws `general_query_invalid` (the caller
 * rewords it for the wire). Returns the filter and the queries re-serialised, as the ack shows them.
 */
export function parseRuntimeQueries(raw: readonly unknown[]): { filter: RuntimeFilter; strings: string[] } {
  const conditions: RuntimeCondition[] = [];
  const strings: string[] = [];
  let selectAll = false;
  for (const { q, node } of readQueryStrings(raw)) {
    if (q.method === 'select') {
      if (q.values.length !== 1 || q.values[0] !== '*') {
        invalid('Only select("*") is allowed in Realtime queries. select("*") means "listen to all events".');
      }
      selectAll = true;
    } else {
      conditions.push(condition(q, 1));
    }
    strings.push(JSON.stringify(node, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
  }
  return { filter: selectAll || conditions.length === 0 ? null : conditions, strings };
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** -1/0/1 for two numbers or two strings (PHP compares numeric strings as numbers); null otherwise. */
function order(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') {
    const numeric = /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
    if (numeric.test(a) && numeric.test(b)) return order(Number(a), Number(b));
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return null;
}

function holds(c: RuntimeCondition, payload: Record<string, unknown>): boolean {
  if ('conditions' in c) return c.op === 'and' ? c.conditions.every((s) => holds(s, payload)) : c.conditions.some((s) => holds(s, payload));
  if (!Object.hasOwn(payload, c.attribute)) return false;
  const value = payload[c.attribute];
  switch (c.op) {
    case 'equal':
      return c.values.some((t) => same(value, t));
    case 'notEqual':
      return !c.values.some((t) => same(value, t));
    case 'isNull':
      return value === null;
    case 'isNotNull':
      return value !== null;
    default: {
      const want = { lessThan: (o: number) => o < 0, lessThanEqual: (o: number) => o <= 0, greaterThan: (o: number) => o > 0, greaterThanEqual: (o: number) => o >= 0 }[c.op];
      return c.values.some((t) => {
        const o = order(value, t);
        return o !== null && want(o);
      });
    }
  }
}

/** Does a payload pass a subscription's filter? */
export function matchesPayload(filter: RuntimeFilter, payload: Record<string, unknown>): boolean {
  return filter === null || filter.every((c) => holds(c, payload));
}
