/**
 * What the row routes share (rows-routes.ts, rows-create.ts): the table a path names, who may
 * see it, staging in a transaction, and publishing the rows a request wrote.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { publishAfterCommit, type CommitFacts } from '../events/publish';
import { ApiError } from '../lib/errors';
import { jsonBig } from '../lib/json-big';
import type { Principal } from '../lib/principal';
import { rowEvent, type RowAction } from './row-events';
import type { RowApi } from './row-values';
import type { StoredRow } from './rows-store';
import { loadFresh, type TableRef } from './table-cache';
import type { TableDef } from './types';
import type { RelatedChanges } from './relationships/changes';
import type { StagedOp } from './transactions/operations';
import { stageRowCall } from './transactions/stage';

export function tableRef(c: Context<AppEnv>, api: RowApi): TableRef {
  return { databaseId: c.req.param('databaseId')!, tableId: c.req.param('tableId')!, flavor: api.flavor };
}

/** A disabled database or table is not found for anyone but API keys, as in Appwrite. */
export function visibilityGate(api: RowApi, keyed: boolean) {
  return (table: TableDef, databaseEnabled: boolean) => {
    if (keyed) return;
    if (!databaseEnabled) throw new ApiError('database_not_found', undefined, table.databaseId);
    if (!table.enabled) throw new ApiError(api.errors.parentNotFound, undefined, table.id);
  };
}

/**
 * The table a bulk write names, loaded fresh: a write's checks must not rest on a cached
 * definition. Relationships are the bulk functions' to check (rows-bulk.ts).
 */
export async function tableFor(c: Context<AppEnv>, api: RowApi, principal: Principal): Promise<TableDef> {
  const { table, databaseEnabled } = await loadFresh(c.env.DB, tableRef(c, api));
  visibilityGate(api, principal.kind === 'key')(table, databaseEnabled);
  return table;
}

/** A row call with `transactionId`: staged in the caller's transaction, not applied (transactions/stage.ts). */
export function stage(c: Context<AppEnv>, api: RowApi, transactionId: string, action: StagedOp['action'], rowId: string | null, data: unknown) {
  const op: StagedOp = { action, flavor: api.flavor, databaseId: c.req.param('databaseId')!, tableId: c.req.param('tableId')!, rowId, data };
  return stageRowCall(c.env.DB, c.get('principal'), transactionId, op);
}

/**
 * What a staged bulk call answers, as Appwrite's does: no rows (nothing is written yet), and as
 * `total` the number of rows sent to createRows/upsertRows, 0 for updateRows/deleteRows (how many
 * rows their queries select is known only at the commit).
 */
export const stagedBulk = (api: RowApi, sent = 0) => jsonBig({ total: sent, [api.listKey]: [] });

/** The committed rows' events, and those of the rows written through their relationships (`changes`), sent once the request answered. */
export async function publish(c: Context<AppEnv>, table: TableDef, api: RowApi, rows: StoredRow[], action: RowAction, changes?: RelatedChanges, commit?: CommitFacts) {
  const principal = c.get('principal');
  const events = rows.map((row) => rowEvent(table, row, api, action, principal));
  if (changes?.size) events.push(...(await changes.events(c.env.DB, api, principal)));
  publishAfterCommit(c, events, commit);
}
