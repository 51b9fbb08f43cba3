/**
 * Reads with `transactionId` (getRow, listRows): the caller's own open transaction replayed over
 * the rows as committed now, so a read answers what it would answer right after the commit.
 * One row comes straight from the replay; a list runs its query over the overlay (overlay.ts).
 */
import type { Principal } from '../../lib/principal';
import { nowDate } from '../../lib/time';
import { canAccessRow } from '../row-permissions';
import type { RowApi } from '../row-values';
import type { RowPage } from '../rows-list';
import type { StoredRow } from '../rows-store';
import type { TableDef } from '../types';
import { loadFor, replay, stagedOperations } from './load';
import type { StagedOp } from './operations';
import { listOverlay } from './overlay';
import type { RowState } from './replay';
import type { TransactionRecord } from './store';

/** A row as the transaction would leave it (null: absent or unreadable), for getRow with `transactionId`. */
export async function rowThroughTransaction(db: D1Database, principal: Principal, t: TransactionRecord, table: TableDef, flavor: StagedOp['flavor'], id: string): Promise<StoredRow | null> {
  const ops = await stagedOperations(db, t.id);
  const probe: StagedOp = { action: 'update', flavor, databaseId: table.databaseId, tableId: table.id, rowId: id, data: {} };
  const loaded = await loadFor(db, principal, ops, { op: probe, id });
  const r = await replay(principal, ops, loaded, nowDate(), db);
  const st = [...r.states.values()].find((s) => s.table.seq === table.seq && s.id === id);
  const row = st ? st.row : (loaded.rows.get(`${table.seq}:${id}`)?.row ?? null);
  return row && canAccessRow(principal, table, row.permissions, 'read') ? row : null;
}

/** The replay's states of `table`: every row of it the transaction touches, as it would leave them. */
async function statesOf(db: D1Database, principal: Principal, t: TransactionRecord, table: TableDef): Promise<RowState[]> {
  const ops = await stagedOperations(db, t.id);
  if (!ops.length) return [];
  const r = await replay(principal, ops, await loadFor(db, principal, ops), nowDate(), db);
  return [...r.states.values()].filter((s) => s.table.seq === table.seq);
}

/** listRows with `transactionId`: the page and `total` of the table as the commit would leave it. */
export async function listThroughTransaction(
  db: D1Database, principal: Principal, t: TransactionRecord, table: TableDef, api: RowApi, queries: readonly string[], includeTotal: boolean,
): Promise<RowPage> {
  return listOverlay(db, principal, table, api, await statesOf(db, principal, t, table), queries, includeTotal);
}
