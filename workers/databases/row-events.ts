/**
 * Events for row writes, published after the write has committed. Both APIs announce a change
 * under both names (`databases.<db>.tables.<t>.rows.<id>.<action>` and the legacy
 * `databases.<db>.collections.<t>.documents.<id>.<action>`), as Appwrite does, with the roles that
 * may read the row so realtime and triggers never leak it.
 */
import { jsonSafe, makeEvent, type LedgeEvent } from '../events/event';
import type { Principal } from '../lib/principal';
import { rowEventRoles } from './row-permissions';
import { rowModel, type StoredRow } from './rows-store';
import type { RowApi } from './row-values';
import type { TableDef } from './types';

export type RowAction = 'create' | 'update' | 'upsert' | 'delete';

export function rowEventNames(databaseId: string, tableId: string, rowId: string, action: RowAction): string[] {
  return [
    `databases.${databaseId}.tables.${tableId}.rows.${rowId}.${action}`,
    `databases.${databaseId}.collections.${tableId}.documents.${rowId}.${action}`,
  ];
}

export function rowEvent(table: TableDef, row: StoredRow, api: RowApi, action: RowAction, principal: Principal): LedgeEvent {
  return makeEvent(
    rowEventNames(table.databaseId, table.id, row.id, action),
    jsonSafe(rowModel(table, row, api)),
    rowEventRoles(table, row.permissions),
    principal.kind === 'user' ? principal.userId : undefined,
  );
}
