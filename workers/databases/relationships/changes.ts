/**
 * Rows a write changed through a relationship — nested rows it created or updated, rows a cascade
 * deleted, rows a setNull unlinked — gathered while the write's batch is built, and turned into
 * row events once that batch has committed. Each event is the related row's own (its table's
 * names, its table's and row's read roles), so realtime and triggers filter it by the related
 * table's permissions exactly as if the row had been written directly. Appwrite publishes none
 * of these (appwrite#9041, #6265, #5375); Ledge does, through the same after-commit path.
 */
import type { LedgeEvent } from '../../events/event';
import type { Principal } from '../../lib/principal';
import { rowEvent, type RowAction } from '../row-events';
import type { RowApi } from '../row-values';
import { decodeRow, q, rowSelectSql, type StoredRow } from '../rows-store';
import type { TableDef } from '../types';

interface Change {
  table: TableDef;
  id: string;
  action: Exclude<RowAction, 'upsert'>;
  /** The row as it was, for rows that are gone (or unchanged) once the batch ran. */
  row?: StoredRow;
}

export class RelatedChanges {
  private readonly byKey = new Map<string, Change>();

  /** Forgets what an attempt noted: a write that is retried builds its statements again. */
  clear(): void {
    this.byKey.clear();
  }

  get size(): number {
    return this.byKey.size;
  }

  /**
   * Notes one change; per row the strongest wins — a delete over anything, a create over an
   * update — so a row touched twice in one write yields one event.
   */
  note(table: TableDef, id: string, action: Change['action'], row?: StoredRow): void {
    const key = `${table.seq}\u0000${id}`;
    const before = this.byKey.get(key);
    if (before && (before.action === 'delete' || (before.action === 'create' && action === 'update'))) return;
    this.byKey.set(key, { table, id, action, row });
  }

  /** Notes `rows` of `table` (as read before the batch) with one action. */
  noteRows(table: TableDef, rows: Iterable<StoredRow>, action: Change['action']): void {
    for (const row of rows) this.note(table, row.id, action, row);
  }

  /**
   * The events, once the batch committed. Created and updated rows are read back (one query per
   * table) so the payload is the row as stored; a row gone meanwhile publishes nothing.
   */
  async events(db: D1Database, api: RowApi, principal: Principal): Promise<LedgeEvent[]> {
    if (this.byKey.size === 0) return [];
    const toRead = new Map<number, { table: TableDef; ids: string[] }>();
    for (const c of this.byKey.values()) {
      if (c.row) continue;
      const entry = toRead.get(c.table.seq) ?? { table: c.table, ids: [] };
      entry.ids.push(c.id);
      toRead.set(c.table.seq, entry);
    }
    const read = new Map<string, StoredRow>();
    await Promise.all(
      [...toRead.values()].map(async ({ table, ids }) => {
        for (const row of await rowsWithIds(db, table, ids)) read.set(`${table.seq}\u0000${row.id}`, row);
      }),
    );
    const events: LedgeEvent[] = [];
    for (const [key, c] of this.byKey) {
      const row = c.row ?? read.get(key);
      if (row) events.push(rowEvent(c.table, row, api, c.action, principal));
    }
    return events;
  }
}

/** The stored rows of `table` with these ids, whoever may read them (one query). */
export async function rowsWithIds(db: D1Database, table: TableDef, ids: readonly string[]): Promise<StoredRow[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(`SELECT ${rowSelectSql(table)} FROM ${q(table.sqlName)} WHERE _uid IN (SELECT value FROM json_each(?)) ORDER BY _seq`)
    .bind(JSON.stringify(ids))
    .all<Record<string, unknown>>();
  return results.map((raw) => decodeRow(table, raw));
}
