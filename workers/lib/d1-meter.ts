/**
 * D1's billing units per request, for `npm run bench`: a D1 binding that adds up `meta.rows_read`
 * and `meta.rows_written` of every statement it runs. `first()` and `raw()` return no meta, so
 * here they run as `all()` and are shaped like the originals (`raw()` as drizzle itself maps batch
 * results: each row's values in column order). Only ever switched on by `D1_METER` (README): the
 * totals reveal how many rows a request scanned, readable or not.
 */
export interface D1Usage {
  rowsRead: number;
  rowsWritten: number;
  queries: number;
}

type Meta = { rows_read?: number; rows_written?: number } | undefined;

export function meteredD1(db: D1Database): { db: D1Database; usage: D1Usage } {
  const usage: D1Usage = { rowsRead: 0, rowsWritten: 0, queries: 0 };
  const add = (meta: Meta) => {
    usage.rowsRead += meta?.rows_read ?? 0;
    usage.rowsWritten += meta?.rows_written ?? 0;
    usage.queries += 1;
  };
  const statement = (st: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(st, {
      get(target, prop) {
        switch (prop) {
          case 'bind':
            return (...values: unknown[]) => statement(target.bind(...values));
          case 'all':
          case 'run':
            return async () => {
              const result = await target[prop]();
              add(result.meta);
              return result;
            };
          case 'first':
            return async (column?: string) => {
              const result = await target.all<Record<string, unknown>>();
              add(result.meta);
              const row = result.results[0];
              if (row === undefined) return null;
              return column === undefined ? row : (row[column] ?? null);
            };
          case 'raw':
            return async (options?: { columnNames?: boolean }) => {
              const result = await target.all<Record<string, unknown>>();
              add(result.meta);
              const rows = result.results.map((r) => Object.values(r));
              return options?.columnNames ? [Object.keys(result.results[0] ?? {}), ...rows] : rows;
            };
          default: {
            const value = Reflect.get(target, prop, target);
            return typeof value === 'function' ? value.bind(target) : value;
          }
        }
      },
    });
  // A D1 session (read replicas: middleware/d1-session.ts) is metered like the binding itself.
  const wrap = (inner: D1Database): D1Database => new Proxy(inner, {
    get(target, prop) {
      if (prop === 'withSession') return (constraint?: string) => wrap(target.withSession(constraint) as unknown as D1Database);
      if (prop === 'prepare') return (sql: string) => statement(target.prepare(sql));
      if (prop === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements);
          for (const r of results) add(r.meta);
          return results;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: wrap(db), usage };
}

/** The response header's value: `read=12; written=0; queries=3`. */
export function usageHeader(usage: D1Usage): string {
  return `read=${usage.rowsRead}; written=${usage.rowsWritten}; queries=${usage.queries}`;
}
