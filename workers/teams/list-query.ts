import { and, asc, desc, eq, gt, gte, isNotNull, isNull, lt, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { ApiError } from '../lib/errors';

/**
 * Appwrite queries for the Teams lists (teams, memberships), compiled to drizzle conditions over
 * a fixed set of attributes. Only what those lists allow: comparisons on the named attributes,
 * `contains` on arrays, ordering, limit/offset and cursors. Anything else is
 * `general_query_invalid`, naming the offending part.
 */
export type AttrKind = 'string' | 'number' | 'boolean' | 'datetime' | 'array';

export interface Attribute {
  column: SQLiteColumn;
  kind: AttrKind;
}

export interface ListSpec {
  attributes: Record<string, Attribute>;
  /** The insertion order column (`$sequence`): default order and final tie-break. */
  seq: SQLiteColumn;
}

export interface ParsedList {
  filters: SQL[];
  orders: { attr: string; dir: 'asc' | 'desc' }[];
  limit: number;
  offset: number;
  cursor: { direction: 'after' | 'before'; id: string } | null;
}

const MAX_LIMIT = 5000;
const MAX_VALUES = 500;
const COMPARE = { equal: eq, notEqual: ne, lessThan: lt, lessThanEqual: lte, greaterThan: gt, greaterThanEqual: gte } as const;

interface RawQuery {
  method?: unknown;
  attribute?: unknown;
  values?: unknown;
}

const invalid = (why: string): never => {
  throw new ApiError('general_query_invalid', `Invalid query: ${why}`);
};

function checkValue(attr: string, kind: AttrKind, value: unknown): string | number | boolean {
  const ok =
    kind === 'number' ? typeof value === 'number' && Number.isFinite(value)
    : kind === 'boolean' ? typeof value === 'boolean'
    : typeof value === 'string';
  if (!ok) invalid(`Query value is invalid for attribute "${attr}"`);
  return value as string | number | boolean;
}

function filterFor(spec: ListSpec, method: string, q: RawQuery): SQL {
  const attr = typeof q.attribute === 'string' ? q.attribute : '';
  const def = spec.attributes[attr];
  if (!def) return invalid(`Attribute not found in schema: ${attr}`);
  const values = Array.isArray(q.values) ? q.values : invalid(`${method} requires values`);
  if (values.length > MAX_VALUES) invalid(`Query on attribute "${attr}" has more than ${MAX_VALUES} values`);
  const col = def.column;

  if (method === 'isNull' || method === 'isNotNull') {
    // System columns keep '' for "unset" (e.g. `joined` before acceptance).
    const empty = def.kind === 'string' || def.kind === 'datetime' ? or(isNull(col), eq(col, ''))! : isNull(col);
    return method === 'isNull' ? empty : and(isNotNull(col), def.kind === 'string' || def.kind === 'datetime' ? ne(col, '') : undefined)!;
  }
  if (values.length === 0) return invalid(`${method} on "${attr}" requires at least one value`);

  if (def.kind === 'array') {
    if (method !== 'contains') invalid(`Cannot apply ${method} to array attribute "${attr}"`);
    const wanted = values.map((v) => checkValue(attr, 'string', v));
    return sql`EXISTS (SELECT 1 FROM json_each(${col}) WHERE json_each.value IN (SELECT value FROM json_each(${JSON.stringify(wanted)})))`;
  }
  if (method in COMPARE) {
    const op = COMPARE[method as keyof typeof COMPARE];
    if (method !== 'equal' && method !== 'notEqual' && values.length !== 1) invalid(`${method} takes one value`);
    const parts = values.map((v) => op(col, checkValue(attr, def.kind, v)));
    // equal matches any of its values; notEqual must differ from all of them.
    return (method === 'notEqual' ? and(...parts) : or(...parts))!;
  }
  if (method === 'between') {
    if (values.length !== 2) invalid('between takes two values');
    return and(gte(col, checkValue(attr, def.kind, values[0])), lte(col, checkValue(attr, def.kind, values[1])))!;
  }
  if ((method === 'startsWith' || method === 'endsWith' || method === 'contains') && def.kind === 'string') {
    const v = String(checkValue(attr, 'string', values[0])).replace(/[\\%_]/g, (ch) => `\\${ch}`);
    const pattern = method === 'startsWith' ? `${v}%` : method === 'endsWith' ? `%${v}` : `%${v}%`;
    return sql`${col} LIKE ${pattern} ESCAPE '\\'`;
  }
  return invalid(`Query method not valid: ${method}`);
}

/** Parses the SDK's JSON query strings against `spec`. */
export function parseListQueries(raw: string[], spec: ListSpec): ParsedList {
  const out: ParsedList = { filters: [], orders: [], limit: 25, offset: 0, cursor: null };
  for (const text of raw) {
    let q: RawQuery;
    try {
      q = JSON.parse(text) as RawQuery;
    } catch {
      return invalid(text.slice(0, 100));
    }
    if (!q || typeof q !== 'object' || typeof q.method !== 'string') return invalid(text.slice(0, 100));
    const method = q.method;
    const first = Array.isArray(q.values) ? q.values[0] : undefined;
    switch (method) {
      case 'limit':
        if (!Number.isInteger(first) || (first as number) < 1 || (first as number) > MAX_LIMIT) invalid(`limit must be between 1 and ${MAX_LIMIT}`);
        out.limit = first as number;
        break;
      case 'offset':
        if (!Number.isInteger(first) || (first as number) < 0) invalid('offset must be a non-negative integer');
        out.offset = first as number;
        break;
      case 'cursorAfter':
      case 'cursorBefore':
        if (typeof first !== 'string' || !first) invalid(`${method} requires a document id`);
        if (out.cursor) invalid('Only one cursor query is allowed');
        out.cursor = { direction: method === 'cursorAfter' ? 'after' : 'before', id: first as string };
        break;
      case 'orderAsc':
      case 'orderDesc': {
        const attr = typeof q.attribute === 'string' ? q.attribute : '';
        const def = spec.attributes[attr];
        if (!def || def.kind === 'array') invalid(`Attribute not found in schema or not orderable: ${attr}`);
        out.orders.push({ attr, dir: method === 'orderAsc' ? 'asc' : 'desc' });
        break;
      }
      default:
        out.filters.push(filterFor(spec, method, q));
    }
  }
  return out;
}

/**
 * ORDER BY and the cursor condition for a page. `cursorValues` is the cursor row's value for each
 * ordered attribute plus its sequence. A `before` cursor walks the order backwards; the caller
 * reverses the page it gets (see `reversed`).
 */
export function pageOrder(spec: ListSpec, list: ParsedList, cursorValues: unknown[] | null) {
  const keys = [
    ...list.orders.map((o) => ({ column: spec.attributes[o.attr].column, dir: o.dir })),
    { column: spec.seq, dir: 'asc' as const },
  ];
  const backwards = list.cursor?.direction === 'before';
  const effective = keys.map((k) => ({ column: k.column, dir: backwards ? (k.dir === 'asc' ? 'desc' : 'asc') : k.dir }));
  const orderBy = effective.map((k) => (k.dir === 'asc' ? asc(k.column) : desc(k.column)));
  let cursorCondition: SQL | undefined;
  if (cursorValues) {
    // Lexicographic "comes after": (a > x) OR (a = x AND b > y) OR …
    const branches: SQL[] = [];
    effective.forEach((k, i) => {
      const equalPrefix = effective.slice(0, i).map((p, j) => eq(p.column, cursorValues[j]));
      const step = k.dir === 'asc' ? gt(k.column, cursorValues[i]) : lt(k.column, cursorValues[i]);
      branches.push(and(...equalPrefix, step)!);
    });
    cursorCondition = or(...branches);
  }
  return { orderBy, cursorCondition, reversed: backwards, columns: keys.map((k) => k.column) };
}
