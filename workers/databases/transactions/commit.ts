/**
 * Commit: every staged operation compiled into ONE D1 batch, all or nothing. The operations are
 * replayed over the rows as committed now (replay.ts), and each touched row's difference between
 * start and end becomes its INSERT, UPDATE or DELETE. Guards lead the batch: the transaction is
 * still pending, and every touched row still has the fingerprint it had when the transaction first
 * staged it (or, for rows a bulk query selected, when the commit read it) — a row changed since
 * fails the commit with `transaction_conflict` and nothing is applied. A constraint violation
 * (a duplicate id, a unique index) also rolls the whole batch back.
 */
import type { LedgeEvent } from '../../events/event';
import { uniqueViolationText } from '../../lib/d1';
import { ApiError } from '../../lib/errors';
import type { Principal } from '../../lib/principal';
import { nowDate } from '../../lib/time';
import { guardStatement, isGuardFailure } from '../operators/guard';
import { rowEvent, type RowAction } from '../row-events';
import { decodeRow, deleteStatements, insertStatements, updateStatements, type StoredRow } from '../rows-store';
import { RelatedChanges } from '../relationships/changes';
import { deleteRelationsPlan } from '../relationships/delete';
import type { RowApi } from '../row-values';
import type { TableDef } from '../types';
import { relationStatements } from '../relationships/write';
import { fingerprintOf } from './operations';
import { loadFor, replay, stagedOperations } from './load';
import type { RowState } from './replay';
import { assertOpen, finishStatements, type TransactionRecord } from './store';

interface Written {
  state: RowState;
  action: RowAction;
  /** Index of the statement returning the row, or the row itself (a delete). */
  at: number | StoredRow;
}

function actionOf(st: RowState): RowAction {
  if (!st.row) return 'delete';
  if (!st.start) return st.last === 'upsert' ? 'upsert' : 'create';
  return st.last === 'upsert' ? 'upsert' : 'update';
}

/** Marks the transaction failed (it cannot be committed again) and rethrows `error`. */
async function fail(db: D1Database, t: TransactionRecord, error: unknown): Promise<never> {
  await db.batch(finishStatements(db, t.id, 'failed'));
  throw error;
}

function constraintError(e: unknown, states: RowState[]): ApiError | null {
  const text = uniqueViolationText(e);
  if (!text) return null;
  const hit = states.find((s) => text.includes(`${s.table.sqlName}.`));
  const api = hit?.api;
  if (!api) return new ApiError('transaction_failed', 'The transaction has errored: a unique constraint was violated.');
  if (text.includes('._uid')) {
    const dup = states.find((s) => !s.start && s.row && text.includes(`${s.table.sqlName}._uid`));
    return new ApiError(api.errors.alreadyExists, undefined, dup?.id ?? '');
  }
  return new ApiError(api.errors.uniqueViolation);
}

/** Rows the transaction creates (inserted by the batch before any link), for links by id to them. */
export function stagedCreates(states: Iterable<RowState>): (table: TableDef, id: string) => StoredRow | null {
  const created = new Map<string, StoredRow>();
  for (const st of states) if (!st.start && st.row) created.set(`${st.table.seq}:${st.id}`, st.row);
  return (table, id) => created.get(`${table.seq}:${id}`) ?? null;
}

/**
 * Each touched row's own statements (in `written`, by index from `offset`), then the relationship
 * values the transaction's writes carry: nested rows and links, after every row of its own exists.
 * A deleted row brings its table's onDelete rules (cascade, setNull, restrict) into the batch.
 */
async function rowWrites(
  db: D1Database, principal: Principal, states: RowState[], written: Written[], offset: number, related: Map<RowApi, RelatedChanges>,
): Promise<D1PreparedStatement[]> {
  const changesOf = (api: RowApi) => related.get(api) ?? related.set(api, new RelatedChanges()).get(api)!;
  const staged = stagedCreates(states);
  const out: D1PreparedStatement[] = [];
  const links: D1PreparedStatement[] = [];
  for (const st of states) {
    const { start, row: end, table, api } = st;
    if (!start && !end) continue;
    if (!end) {
      written.push({ state: st, action: 'delete', at: start! });
      out.push(...(await deleteRelationsPlan(db, api, table, [st.id], changesOf(api))), ...deleteStatements(db, table, [start!.seq]));
      continue;
    }
    if (st.relations.length) links.push(...(await relationStatements({ db, principal, api, changes: changesOf(api), staged }, table, st.id, st.relations)));
    const values = new Map(table.columns.map((c) => [c.key, end.values[c.key]]));
    const writes = start
      ? updateStatements(db, table, api, start, values, end.permissions, end.updatedAt, end.createdAt === start.createdAt ? undefined : end.createdAt)
      : insertStatements(db, table, api, end.id, values, end.permissions, end.createdAt, end.updatedAt);
    if (!writes) continue;
    written.push({ state: st, action: actionOf(st), at: offset + out.length });
    out.push(...writes);
  }
  return [...out, ...links];
}

export async function commitTransaction(db: D1Database, principal: Principal, t: TransactionRecord): Promise<{ record: TransactionRecord; events: LedgeEvent[] }> {
  assertOpen(t);
  const [ops, snapshots] = await Promise.all([
    stagedOperations(db, t.id),
    db.prepare('SELECT table_seq, row_id, fingerprint FROM transaction_snapshots WHERE transaction_id = ?').bind(t.id).all<Record<string, unknown>>(),
  ]);
  const expected = new Map(snapshots.results.map((s) => [`${s.table_seq}:${s.row_id}`, s.fingerprint === null ? null : String(s.fingerprint)]));
  const now = nowDate();
  let states: RowState[];
  let loaded;
  try {
    loaded = await loadFor(db, principal, ops);
    states = [...(await replay(principal, ops, loaded, now, db)).states.values()];
  } catch (e) {
    if (e instanceof ApiError) return fail(db, t, e);
    throw e;
  }
  // A row changed since it was staged: refuse now, before building anything.
  for (const [key, fingerprint] of expected) {
    if ((loaded.rows.get(key)?.fingerprint ?? null) !== fingerprint) return fail(db, t, new ApiError('transaction_conflict'));
  }
  const statements: D1PreparedStatement[] = [
    guardStatement(db, "EXISTS (SELECT 1 FROM transactions WHERE id = ?1 AND status = 'pending')", [t.id]),
  ];
  for (const st of states) {
    const key = `${st.table.seq}:${st.id}`;
    const fingerprint = expected.has(key) ? expected.get(key)! : (loaded.rows.get(key)?.fingerprint ?? null);
    statements.push(guardStatement(db, `${fingerprintOf(st.table, '?1')} IS ?2`, [st.id, fingerprint]));
  }
  const written: Written[] = [];
  const related = new Map<RowApi, RelatedChanges>();
  try {
    statements.push(...(await rowWrites(db, principal, states, written, statements.length, related)));
  } catch (e) {
    if (e instanceof ApiError) return fail(db, t, e);
    throw e;
  }
  statements.push(...finishStatements(db, t.id, 'committed'));
  let results: D1Result<Record<string, unknown>>[];
  try {
    results = await db.batch<Record<string, unknown>>(statements);
  } catch (e) {
    if (isGuardFailure(e)) {
      const now = await db.prepare('SELECT status FROM transactions WHERE id = ?').bind(t.id).first<{ status: string }>();
      if (now?.status !== 'pending') throw new ApiError('transaction_invalid', `The transaction is ${String(now?.status ?? 'gone').replace('_', ' ')}.`);
      return fail(db, t, new ApiError('transaction_conflict'));
    }
    const constraint = constraintError(e, states);
    if (constraint) return fail(db, t, constraint);
    throw e;
  }
  const events = written.map(({ state, action, at }) => {
    const row = typeof at === 'number' ? decodeRow(state.table, results[at].results[0]) : at;
    return rowEvent(state.table, row, state.api, action, principal);
  });
  // Rows written through relationships (nested rows, cascades, unlinked rows) announce themselves too.
  for (const [api, changes] of related) events.push(...(await changes.events(db, api, principal)));
  return { record: { ...t, status: 'committed', updatedAt: now }, events };
}
