import { ApiError } from './errors';

/**
 * Pagination for system lists that take no filters (keys): `limit` (default 25, max 5000) and
 * `offset`. Anything else is `general_query_invalid`, naming the method.
 */
export function parseListQueries(raw: string[]): { limit: number; offset: number } {
  let limit = 25;
  let offset = 0;
  for (const text of raw) {
    let q: { method?: unknown; values?: unknown };
    try {
      q = JSON.parse(text);
    } catch {
      throw new ApiError('general_query_invalid', `Invalid query: ${text.slice(0, 100)}`);
    }
    const v = Array.isArray(q.values) ? q.values[0] : undefined;
    if (q.method === 'limit' && Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 5000) limit = v as number;
    else if (q.method === 'offset' && Number.isInteger(v) && (v as number) >= 0) offset = v as number;
    else throw new ApiError('general_query_invalid', `Invalid query: ${String(q.method)} is not supported on this list`);
  }
  return { limit, offset };
}
