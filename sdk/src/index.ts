import { createAccount } from './account';
import { createCore, type ClientConfig } from './core';
import { createFunctions } from './functions';
import { createRealtime, type RealtimeOptions } from './realtime';
import { createStorage } from './storage';
import { createTables, type AnySchema } from './tables';
import { createTeams } from './teams';

export { createAccount } from './account';
export { createCore, uniqueId, type ClientConfig, type Core, type CallOptions } from './core';
export { LedgeError } from './error';
export { createFunctions } from './functions';
export type * from './models';
export { Permission, Role } from './permission';
export { Query, type QueryFor, type Selected } from './query';
export { backoffDelay, createRealtime, type RealtimeEvent, type RealtimeGap, type RealtimeOptions, type RealtimeState, type Subscription } from './realtime';
export { CHUNK_SIZE, createStorage, type CreateFileParams, type UploadProgress } from './storage';
export { createTables, type AnySchema, type Row, type RowData, type RowList, type RowMeta, type TablesSchema } from './tables';
export { createTeams } from './teams';

/** `unique()`: the server picks the id (the client makes file ids itself, see `storage.createFile`). */
export const ID = { unique: () => 'unique()', custom: (id: string) => id };

/**
 * Every service on one client. To keep a bundle small, import only what you use instead:
 * `createCore(config)` and `createAccount(core)`, `createTables<Schema>(core)`, … (each from its
 * own entry, `@ledge/client/account` and so on).
 */
export function createClient(config: ClientConfig & { realtime?: RealtimeOptions }) {
  const core = createCore(config);
  return {
    core,
    account: createAccount(core),
    teams: createTeams(core),
    /** Rows, typed by a schema from `npm run types:tables`: `client.tables<Schema>().listRows(…)`. */
    tables: <S extends object = AnySchema>() => createTables<S>(core),
    storage: createStorage(core),
    functions: createFunctions(core),
    realtime: createRealtime(core, config.realtime),
  };
}
