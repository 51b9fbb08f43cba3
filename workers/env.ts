import { createFactory } from 'hono/factory';
import type { Config } from './lib/config';
import type { Principal } from './lib/principal';
import type { PendingPrincipal } from './middleware/principal';

/** Per-request values every route can read with `c.get(...)`. */
export interface AppVariables {
  requestId: string;
  config: Config;
  principal: Principal;
  /** Set instead of `principal` on routes that resolve the caller in their own first batch. */
  pendingPrincipal?: PendingPrincipal;
  /** The response model version the caller asked for (`X-Appwrite-Response-Format`), e.g. "1.9.5". */
  responseFormat: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}

export const factory = createFactory<AppEnv>();
