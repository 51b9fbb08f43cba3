import type { Context } from 'hono';
import type { AppEnv } from '../env';
import type { PendingReader } from '../lib/permissions-container';
import type { RolesSql } from '../lib/permissions';
import { guestPrincipal, type Principal } from '../lib/principal';
import { assertNotHeld } from '../middleware/mfa';
import { assertScope, type Deferral } from '../middleware/principal';
import { credentialCheck } from './authenticate';
import { rolesRowSql } from './roles-sql';

/**
 * One D1 round trip per authenticated read. A route listed in `deferredRoutes` gets no principal
 * from the middleware; its handler reads through `callerOf(c)`, whose first `batch` runs the
 * credential's check statements and the route's own in ONE `env.DB.batch`, resolves the principal
 * from the first results (nothing cached: a revoked session fails on the very next request),
 * applies the MFA hold and the scopes the route required, sets `c.get('principal')`, and hands back
 * the route's results. The route then decides permissions against the principal as usual.
 *
 * A read whose SQL depends on the caller's roles (a permission filter) is built from
 * `caller.reader`: the principal when known, else a `PendingReader` whose roles are SQL over the
 * same rows the check reads (roles-sql.ts). Once the batch has run, those roles are compared with
 * the resolved principal's; should they differ, `batch` throws `RolesChanged` and the read must be
 * built again (the principal is known by then). Reads may be deferred: their statements run
 * before the caller is known. So may a write whose every statement is conditioned in SQL on the
 * caller (`writer()`: the session live, the user enabled and unheld, its roles as SQL), which
 * writes nothing unless the check it rides with lets the caller through (databases/rows-create.ts).
 * Any other write on a deferred route first resolves its caller on its own (`resolveCaller`).
 */
export interface Caller {
  /** Who the read is for, as far as is known while the statements are built. */
  readonly reader: Principal | PendingReader;
  /** The principal: known at once, or after the first `batch` of a deferred read. */
  principal(): Principal;
  /** Runs `statements` in one round trip (the first batch of a deferred read carries the check). */
  batch(statements: D1PreparedStatement[]): Promise<D1Result<Record<string, unknown>>[]>;
  /**
   * While the caller is pending with a user's credential: what a write must be conditioned on in
   * SQL to ride in the same batch. Null once the principal is known, or for a pending credential
   * that offers no such condition. Its roles are not compared after the batch (as `reader`'s
   * are): a write checks its outcome against the resolved principal itself.
   */
  writer(): PendingWriter | null;
}

/** A pending caller as a write's SQL sees it: the user its credential names, if `active` holds. */
export interface PendingWriter {
  userId: string;
  /** The credential resolves to `userId` with nothing refusing it (roles-sql.ts `activeSessionSql`). */
  active: RolesSql;
  /** The roles it will hold, as SQL over the same rows. */
  roles: RolesSql;
}

/** The SQL-derived roles a read was built on differ from the resolved principal's: build it again. */
export class RolesChanged extends Error {
  constructor(sqlRoles: string[], roles: string[]) {
    super(`caller roles derived in SQL ${JSON.stringify(sqlRoles)} differ from the principal's ${JSON.stringify(roles)}`);
  }
}

const sameSet = (a: readonly string[], b: readonly string[]) => {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
};

export function callerOf(c: Context<AppEnv>, db: D1Database = c.env.DB): Caller {
  const run = (statements: D1PreparedStatement[]) => (statements.length > 0 ? db.batch<Record<string, unknown>>(statements) : Promise.resolve([]));
  const pending = c.get('pendingPrincipal');
  if (!pending) {
    const principal = c.get('principal');
    return { reader: principal, principal: () => principal, batch: run, writer: () => null };
  }
  let rolesUsed = false;
  const reader: PendingReader = {
    kind: 'pending',
    get roles() {
      rolesUsed = true;
      return pending.roles;
    },
  };
  const caller: Caller = {
    get reader() {
      return c.get('pendingPrincipal') ? reader : c.get('principal');
    },
    principal: () => {
      const p = c.get('principal');
      if (!p) throw new Error('callerOf: the principal is read before its batch ran');
      return p;
    },
    writer() {
      if (!c.get('pendingPrincipal') || !pending.userId || !pending.active) return null;
      return { userId: pending.userId, active: pending.active, roles: pending.roles };
    },
    async batch(statements) {
      if (!c.get('pendingPrincipal')) return run(statements);
      const check = rolesUsed ? [bindSql(db, rolesRowSql(pending.roles))] : [];
      const n = pending.statements.length;
      const all = await db.batch<Record<string, unknown>>([...pending.statements, ...check, ...statements]);
      c.set('pendingPrincipal', undefined);
      const principal = pending.resolve(c, all.slice(0, n)) ?? guestPrincipal();
      c.set('principal', principal);
      assertNotHeld(principal, c.req.method, c.req.path);
      for (const scope of pending.scopes) assertScope(principal, scope);
      if (check.length > 0) {
        const sqlRoles = JSON.parse(String(all[n].results[0]?.roles ?? '[]')) as string[];
        if (!sameSet(sqlRoles, principal.roles)) {
          console.error(`[${c.get('requestId') ?? '-'}] ${new RolesChanged(sqlRoles, principal.roles).message}`);
          throw new RolesChanged(sqlRoles, principal.roles);
        }
      }
      return all.slice(n + check.length);
    },
  };
  return caller;
}

function bindSql(db: D1Database, q: { sql: string; params: unknown[] }): D1PreparedStatement {
  return db.prepare(q.sql).bind(...q.params);
}

/** The caller, resolved now if its route deferred it (the credential check alone: one round trip). */
export async function resolveCaller(c: Context<AppEnv>): Promise<Principal> {
  const caller = callerOf(c);
  await caller.batch([]);
  return caller.principal();
}

/** `callerOf(c).batch(statements)` with the principal it resolved. */
export async function batchWithPrincipal(c: Context<AppEnv>, statements: D1PreparedStatement[]): Promise<{ principal: Principal; results: D1Result[] }> {
  const caller = callerOf(c);
  const results = await caller.batch(statements);
  return { principal: caller.principal(), results };
}

/** The middleware's deferral for the given routes (app.ts); none are deferred unless listed. */
export function deferredRoutes(routes: Deferral['routes']): Deferral {
  // Lean: a deferred read needs the principal, not the whole user row.
  return { routes, check: (c) => credentialCheck(c, undefined, { lean: true }) };
}
