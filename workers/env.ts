import type { Context } from 'hono';
import { createFactory } from 'hono/factory';
import type { Config } from './lib/config';
import type { RolesSql } from './lib/permissions';
import type { Principal } from './lib/principal';

/**
 * A credential whose D1 check has not run yet: its statements go first in the route's own batch
 * (identity/batch.ts `callerOf`), and `resolve` reads their results.
 */
export interface PendingPrincipal {
  statements: D1PreparedStatement[];
  /** The roles `resolve` will find, as SQL over the same rows (a permission filter's input). */
  roles: RolesSql;
  resolve(c: Context<AppEnv>, results: D1Result[]): Principal | null;
  /** The user the credential names, and the SQL condition that it resolves to that user unrefused (identity/authenticate.ts). */
  userId?: string;
  active?: RolesSql;
}

/** A pending credential as the request holds it, with the scopes its route requires once it is known. */
export type DeferredPrincipal = PendingPrincipal & { scopes: string[] };

/** Per-request values every route can read with `c.get(...)`. */
export interface AppVariables {
  requestId: string;
  config: Config;
  principal: Principal;
  /** Set instead of `principal` on routes that resolve the caller in their own first batch. */
  pendingPrincipal?: DeferredPrincipal;
  /** The response model version the caller asked for (`X-Appwrite-Response-Format`), e.g. "1.9.5". */
  responseFormat: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}

export const factory = createFactory<AppEnv>();
