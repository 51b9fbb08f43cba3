/**
 * What a replay needs, loaded before it runs: the tables the operations name (fresh definitions,
 * visible to the caller) and the committed rows they name with their fingerprints; the rows a
 * bulkUpdate/bulkDelete's queries select are found during the replay, over the table as the
 * operations before it leave it (overlay.ts), and loaded then. The replay itself is shared by
 * staging (to refuse a bad operation early), reads through the transaction, and the commit.
 */
import { ApiError } from '../../lib/errors';
import { parseJsonBig } from '../../lib/json-big';
import type { Principal } from '../../lib/principal';
import { DOCUMENTS_API, TABLES_API, type RowApi } from '../row-values';
import { idOf } from '../rows-bulk';
import { decodeRow, rowSelectSql, type StoredRow } from '../rows-store';
import { ident } from '../schema-sql';
import { loadFresh } from '../table-cache';
import type { TableDef } from '../types';
import { fingerprintSql, type StagedOp } from './operations';
import { matchOverlay } from './overlay';
import { Replay, type Matcher } from './replay';

export interface Loaded {
  /** Per operation, its table and API. */
  targets: { table: TableDef; api: RowApi }[];
  /** `${tableSeq}:${rowId}` → the committed row and its fingerprint. */
  rows: Map<string, { row: StoredRow; fingerprint: string }>;
}

const apiOf = (op: Pick<StagedOp, 'flavor'>) => (op.flavor === 'legacy' ? DOCUMENTS_API : TABLES_API);

/** The ids an operation names directly. */
export function idsOf(op: StagedOp): string[] {
  if (op.rowId) return [op.rowId];
  if (Array.isArray(op.data)) return (op.data as Record<string, unknown>[]).map(idOf);
  return [];
}

export async function loadFor(db: D1Database, principal: Principal, ops: readonly StagedOp[], extra: { op: StagedOp; id: string } | null = null): Promise<Loaded> {
  const byRef = new Map<string, Promise<{ table: TableDef; api: RowApi }>>();
  const resolve = (op: Pick<StagedOp, 'flavor' | 'databaseId' | 'tableId'>) => {
    const key = `${op.flavor}\u0000${op.databaseId}\u0000${op.tableId}`;
    if (!byRef.has(key)) {
      const api = apiOf(op);
      byRef.set(
        key,
        loadFresh(db, { databaseId: op.databaseId, tableId: op.tableId, flavor: op.flavor }).then(({ table, databaseEnabled }) => {
          if (principal.kind !== 'key' && !databaseEnabled) throw new ApiError('database_not_found', undefined, table.databaseId);
          if (principal.kind !== 'key' && !table.enabled) throw new ApiError(api.errors.parentNotFound, undefined, table.id);
          return { table, api };
        }),
      );
    }
    return byRef.get(key)!;
  };
  const targets = await Promise.all(ops.map(resolve));
  const wanted = new Map<TableDef, Set<string>>();
  const want = (table: TableDef, id: string) => wanted.set(table, (wanted.get(table) ?? new Set()).add(id));
  for (const [i, op] of ops.entries()) for (const id of idsOf(op)) want(targets[i].table, id);
  if (extra) want((await resolve(extra.op)).table, extra.id);
  const rows = new Map<string, { row: StoredRow; fingerprint: string }>();
  await loadRows(db, wanted, rows);
  return { targets, rows };
}

/** The committed rows `wanted` names, with their fingerprints, into `rows` (one batch). */
async function loadRows(db: D1Database, wanted: Map<TableDef, Set<string>>, rows: Loaded['rows']): Promise<void> {
  const tables = [...wanted.keys()];
  if (tables.length) {
    const results = await db.batch<Record<string, unknown>>(
      tables.map((table) =>
        db
          .prepare(`SELECT ${rowSelectSql(table)}, ${fingerprintSql(table)} AS _fingerprint FROM ${ident(table.sqlName)} WHERE _uid IN (SELECT value FROM json_each(?))`)
          .bind(JSON.stringify([...wanted.get(table)!])),
      ),
    );
    tables.forEach((table, i) => {
      for (const raw of results[i].results) rows.set(`${table.seq}:${raw._uid}`, { row: decodeRow(table, raw), fingerprint: String(raw._fingerprint) });
    });
  }
}

/** The operations replayed over what `loaded` holds. */
export async function replay(principal: Principal, ops: readonly StagedOp[], loaded: Loaded, now: string, db: D1Database): Promise<Replay> {
  const match: Matcher = async (table, api, states, queries) => {
    const found = await matchOverlay(db, principal, table, api, states, queries);
    const missing = found.filter((row) => !states.some((s) => s.id === row.id) && !loaded.rows.has(`${table.seq}:${row.id}`));
    if (missing.length) await loadRows(db, new Map([[table, new Set(missing.map((row) => row.id))]]), loaded.rows);
    return found;
  };
  const r = new Replay(principal, (table, id) => loaded.rows.get(`${table.seq}:${id}`)?.row ?? null, now, db, match);
  for (const [i, op] of ops.entries()) await r.apply(op, loaded.targets[i].table, loaded.targets[i].api);
  return r;
}

/** A transaction's staged operations, in order. */
export async function stagedOperations(db: D1Database, transactionId: string): Promise<StagedOp[]> {
  const { results } = await db
    .prepare('SELECT action, flavor, database_id, table_id, row_id, data FROM transaction_operations WHERE transaction_id = ? ORDER BY position')
    .bind(transactionId)
    .all<Record<string, unknown>>();
  return results.map((r) => ({
    action: r.action as StagedOp['action'],
    flavor: r.flavor as StagedOp['flavor'],
    databaseId: String(r.database_id),
    tableId: String(r.table_id),
    rowId: r.row_id === null ? null : String(r.row_id),
    data: parseJsonBig(String(r.data)),
  }));
}
