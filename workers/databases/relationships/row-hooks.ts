/**
 * The seams between the row routes and relationships: a row write's data split into its own
 * columns and its relationship values (turned into `RowWrite.extra` statements), and a row
 * delete's onDelete rules (turned into `deleteRow`'s `extra`).
 */
import { ApiError } from '../../lib/errors';
import type { Principal } from '../../lib/principal';
import type { RowApi } from '../row-values';
import type { RowWrite, StoredRow } from '../rows-store';
import type { TableDef } from '../types';
import type { RelatedChanges } from './changes';
import { deleteRelationsPlan, isRestrictGuard } from './delete';
import { relationStatements, splitRelationData } from './write';

/**
 * `RowWrite` for row `id` of `table`: relationship values leave `data` and come back as its extra
 * statements; the related rows they create or update are noted in `changes`.
 */
export function rowWrite(
  db: D1Database, principal: Principal, api: RowApi, table: TableDef, id: string,
  data: Record<string, unknown>, permissions: string[] | null | undefined, changes?: RelatedChanges,
): RowWrite {
  const split = splitRelationData(table, data);
  if (split.relations.length === 0) return { data, permissions };
  return {
    data: split.data,
    permissions,
    extra: () => {
      changes?.clear(); // only the attempt that commits counts
      return relationStatements({ db, principal, api, changes }, table, id, split.relations);
    },
  };
}

/** `deleteRow`'s extra statements on a table with relationships (none otherwise); cascaded and unlinked rows go to `changes`. */
export function rowDeleteExtra(db: D1Database, api: RowApi, table: TableDef, changes?: RelatedChanges): ((row: StoredRow) => Promise<D1PreparedStatement[]>) | undefined {
  if (table.relationships.length === 0) return undefined;
  return (row) => deleteRelationsPlan(db, api, table, [row.id], changes);
}

/** A delete batch stopped by a restrict rule's own re-check is Appwrite's restricted error. */
export async function restrictedAsApiError<T>(api: RowApi, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isRestrictGuard(err)) throw new ApiError(api.flavor === 'tablesdb' ? 'row_delete_restricted' : 'document_delete_restricted');
    throw err;
  }
}

/**
 * Bulk creates, upserts and updates write a table's own columns: rows that name a relationship
 * column are refused (Appwrite refuses every bulk call on such a table). Rows that leave their
 * relationships alone change no link, so the batch stays what it is without them.
 */
export function assertNoRelationValues(table: TableDef, action: 'create' | 'upsert' | 'update', docs: readonly Record<string, unknown>[]): void {
  if (!table.relationships.some((r) => r.visible)) return;
  for (const doc of docs) {
    const rel = table.relationships.find((r) => r.visible && Object.hasOwn(doc, r.key));
    if (rel) {
      throw new ApiError('general_bad_request', `Bulk ${action} cannot write relationship "${rel.key}" of table "${table.id}": write related rows one row at a time.`);
    }
  }
}

/** Staged bulk writes do not walk relationships: refused on tables that have any, as Appwrite's bulk API does. */
export function assertNoRelationships(table: TableDef): void {
  if (table.relationships.length > 0) {
    throw new ApiError('general_bad_request', `Bulk operations are not supported on table "${table.id}": it has relationship columns.`);
  }
}
