/**
 * Appwrite queries over schema lists (databases, tables, columns, indexes). These lists are small
 * — a project has few databases, a table at most 95 columns — so they are filtered, ordered and
 * paged in memory over the response models, with the same query syntax as row lists.
 */
import { ApiError } from '../lib/errors';

type Item = Record<string, unknown>;

interface Query {
  method: string;
  attribute?: string;
  values?: unknown[];
}

const FILTERS: Record<string, (field: unknown, values: unknown[]) => boolean> = {
  equal: (f, v) => v.some((x) => x === f),
  notEqual: (f, v) => v.every((x) => x !== f),
  lessThan: (f, v) => f !== null && (f as number) < (v[0] as number),
  lessThanEqual: (f, v) => f !== null && (f as number) <= (v[0] as number),
  greaterThan: (f, v) => f !== null && (f as number) > (v[0] as number),
  greaterThanEqual: (f, v) => f !== null && (f as number) >= (v[0] as number),
  isNull: (f) => f === null || f === undefined,
  isNotNull: (f) => f !== null && f !== undefined,
  startsWith: (f, v) => typeof f === 'string' && f.startsWith(String(v[0])),
  endsWith: (f, v) => typeof f === 'string' && f.endsWith(String(v[0])),
  contains: (f, v) => (Array.isArray(f) ? v.some((x) => f.includes(x)) : typeof f === 'string' && v.some((x) => f.includes(String(x)))),
  between: (f, v) => f !== null && (f as number) >= (v[0] as number) && (f as number) <= (v[1] as number),
};

function parse(text: string): Query {
  let q: Query;
  try {
    q = JSON.parse(text) as Query;
  } catch {
    throw new ApiError('general_query_invalid', `Invalid query: ${text.slice(0, 100)}`);
  }
  if (!q || typeof q.method !== 'string') throw new ApiError('general_query_invalid', `Invalid query: ${text.slice(0, 100)}`);
  return q;
}

/**
 * `fields` are the attributes a query may name (Appwrite's per-list allow-list); `idField` is
 * what cursors point at (`$id`, or `key` for columns and indexes); `search` matches any of
 * `searchFields` case-insensitively.
 */
export function applyListQueries<T extends Item>(
  items: T[],
  queries: string[],
  options: { fields: string[]; idField: string; search?: string; searchFields?: string[] },
): { total: number; items: T[] } {
  let list = items;
  let limit = 25;
  let offset = 0;
  let order: { field: string; desc: boolean } | null = null;
  let cursor: { id: string; before: boolean } | null = null;
  const checkField = (attr: unknown) => {
    if (typeof attr !== 'string' || !options.fields.includes(attr)) {
      throw new ApiError('general_query_invalid', `Invalid query: Attribute not found in schema: ${String(attr)}`);
    }
    return attr;
  };
  for (const q of queries.map(parse)) {
    const values = Array.isArray(q.values) ? q.values : [];
    if (q.method === 'limit' || q.method === 'offset') {
      const n = values[0];
      if (!Number.isInteger(n) || (n as number) < 0 || (q.method === 'limit' && (n as number) > 5000)) {
        throw new ApiError('general_query_invalid', `Invalid query: ${q.method} must be a non-negative integer`);
      }
      if (q.method === 'limit') limit = n as number;
      else offset = n as number;
    } else if (q.method === 'orderAsc' || q.method === 'orderDesc') {
      order = { field: checkField(q.attribute), desc: q.method === 'orderDesc' };
    } else if (q.method === 'cursorAfter' || q.method === 'cursorBefore') {
      cursor = { id: String(values[0]), before: q.method === 'cursorBefore' };
    } else if (FILTERS[q.method]) {
      const field = checkField(q.attribute);
      const test = FILTERS[q.method];
      list = list.filter((item) => test(item[field], values));
    } else {
      throw new ApiError('general_query_invalid', `Invalid query: Query method not valid: ${q.method}`);
    }
  }
  if (options.search) {
    const needle = options.search.toLowerCase();
    list = list.filter((item) => (options.searchFields ?? [options.idField]).some((f) => String(item[f] ?? '').toLowerCase().includes(needle)));
  }
  if (order) {
    const { field, desc } = order;
    list = [...list].sort((a, b) => {
      const x = a[field] as string | number;
      const y = b[field] as string | number;
      return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
    });
  }
  const total = list.length;
  if (cursor) {
    const at = list.findIndex((item) => item[options.idField] === cursor!.id);
    if (at < 0) throw new ApiError('general_cursor_not_found');
    list = cursor.before ? list.slice(Math.max(0, at - limit), at).slice(offset) : list.slice(at + 1).slice(offset, offset + limit);
    return { total, items: list };
  }
  return { total, items: list.slice(offset, offset + limit) };
}
