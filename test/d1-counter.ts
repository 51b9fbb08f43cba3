/**
 * A D1 binding that records its round trips: every `batch()` is one, and so is every statement
 * run on its own (`first`, `all`, `run`, `raw`). Each trip keeps the SQL of its statements, so a
 * test can say not only how many trips a request made but what rode in each. Pass `db` in place of
 * `env.DB` (e.g. `app.request(path, init, { ...env, DB: db }, ctx)`).
 */
export interface D1Trips {
  db: D1Database;
  /** The SQL of each round trip's statements, in order. */
  trips: string[][];
  reset(): void;
}

export function countingDb(inner: D1Database): D1Trips {
  const trips: string[][] = [];
  const sqlOf = new WeakMap<object, string>();
  const wrap = (st: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(st, {
      get(t, p) {
        if (p === 'bind') return (...args: unknown[]) => wrap(t.bind(...args), sql);
        if (p === 'first' || p === 'all' || p === 'run' || p === 'raw') {
          return (...a: unknown[]) => {
            trips.push([sql]);
            return (t as unknown as Record<string, (...x: unknown[]) => unknown>)[p as string](...a);
          };
        }
        const v = Reflect.get(t, p, t);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    sqlOf.set(proxy, sql);
    return proxy;
  };
  // A D1 session (read replicas: middleware/d1-session.ts) is counted like the binding itself.
  const counted = <T extends object>(inner: T): T => new Proxy(inner, {
    get(target, prop) {
      if (prop === 'withSession') {
        return (constraint?: string) => counted((target as unknown as D1Database).withSession(constraint) as unknown as object);
      }
      if (prop === 'prepare') {
        return (sql: string) => wrap((target as unknown as D1Database).prepare(sql), sql);
      }
      if (prop === 'batch') {
        return (statements: D1PreparedStatement[]) => {
          trips.push(statements.map((s) => sqlOf.get(s) ?? '?'));
          return (target as unknown as D1Database).batch(statements);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { db: counted(inner), trips, reset: () => void trips.splice(0) };
}

/** Is this statement the credential check (identity/authenticate.ts): the session joined by secret hash or id? */
export const isSessionCheck = (sql: string) => /JOIN sessions s ON s\.(secret_hash|id) = \?/.test(sql);
