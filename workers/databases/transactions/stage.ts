/**
 * Staging: operations join a pending transaction instead of applying. Each new operation is
 * checked by replaying the whole transaction over the rows as they are now (so a bad one is
 * refused when it is staged, with the error its own call would give), then stored in order with
 * the fingerprint of every row it names, taken in the same batch. Reads through a transaction
 * (`transactionId` on getRow/listRows) replay it too and show the staged state (read.ts).
 */
import { ApiError } from '../../lib/errors';
import { stringifyJsonBig } from '../../lib/json-big';
import type { Principal } from '../../lib/principal';
import { nowDate } from '../../lib/time';
import { guardStatement, isGuardFailure } from '../operators/guard';
import type { StoredRow } from '../rows-store';
import { idOf } from '../rows-bulk';
import type { TableDef } from '../types';
import { relationStatements, splitRelationData } from '../relationships/write';
import { stagedCreates } from './commit';
import { idsOf, loadFor, replay, stagedOperations, type Loaded } from './load';
import { checkShape, fingerprintOf, weight, type StagedOp } from './operations';
import type { Replay } from './replay';
import { assertOpen, findTransactionStatement, MAX_OPERATIONS, ownTransaction, type TransactionRecord } from './store';

/** Bulk rows get their ids now, so every later replay of the transaction agrees on them. */
function withIds(op: StagedOp): StagedOp {
  if (!Array.isArray(op.data)) return op;
  return { ...op, data: (op.data as Record<string, unknown>[]).map((doc) => ({ ...doc, $id: idOf(doc) })) };
}

/**
 * Relationship values are written by the commit (commit.ts); a bad one (not ids or rows, a related
 * row missing or unreadable, a nested row refused) is refused now, with the error the direct write
 * gives. The statements built here are dropped: the commit builds its own on the rows as they are then.
 */
async function checkRelations(
  db: D1Database, principal: Principal, ops: StagedOp[], targets: Loaded['targets'], staged: ReturnType<typeof stagedCreates>,
): Promise<void> {
  for (const [i, op] of ops.entries()) {
    if (!op.rowId || !['create', 'update', 'upsert'].includes(op.action)) continue;
    const { table, api } = targets[i];
    const { relations } = splitRelationData(table, op.data as Record<string, unknown>);
    if (relations.length) await relationStatements({ db, principal, api, staged }, table, op.rowId, relations);
  }
}

/** Stages `ops` at the end of transaction `t`; answers the transaction and the replay including them. */
export async function stageOperations(db: D1Database, principal: Principal, t: TransactionRecord, input: StagedOp[]): Promise<{ record: TransactionRecord; replay: Replay }> {
  assertOpen(t);
  const ops = input.map(withIds);
  const added = ops.reduce((n, op) => n + weight(op), 0);
  if (t.operations + added > MAX_OPERATIONS) throw new ApiError('transaction_limit_exceeded', `The maximum number of operations per transaction (${MAX_OPERATIONS}) has been exceeded.`);
  const all = [...(await stagedOperations(db, t.id)), ...ops];
  const loaded = await loadFor(db, principal, all);
  const result = await replay(principal, all, loaded, nowDate(), db);
  const first = all.length - ops.length;
  await checkRelations(db, principal, ops, loaded.targets.slice(first), stagedCreates(result.states.values()));
  const statements: D1PreparedStatement[] = [
    guardStatement(db, "EXISTS (SELECT 1 FROM transactions WHERE id = ?1 AND status = 'pending' AND operations + ?2 <= ?3 AND expires_at >= ?4)", [t.id, added, MAX_OPERATIONS, nowDate()]),
  ];
  ops.forEach((op, i) => {
    const table = loaded.targets[first + i].table;
    statements.push(
      db
        .prepare('INSERT INTO transaction_operations (transaction_id, position, action, flavor, database_id, table_id, row_id, data) VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM transaction_operations WHERE transaction_id = ?1), ?, ?, ?, ?, ?, ?)')
        .bind(t.id, op.action, op.flavor, op.databaseId, op.tableId, op.rowId, stringifyJsonBig(op.data ?? {})),
    );
    for (const id of idsOf(op)) {
      statements.push(
        db
          .prepare(`INSERT OR IGNORE INTO transaction_snapshots (transaction_id, table_seq, row_id, fingerprint) VALUES (?1, ?2, ?3, ${fingerprintOf(table, '?3')})`)
          .bind(t.id, table.seq, id),
      );
    }
  });
  statements.push(db.prepare('UPDATE transactions SET operations = operations + ?, updated_at = ? WHERE id = ?').bind(added, nowDate(), t.id));
  try {
    await db.batch(statements);
  } catch (e) {
    if (!isGuardFailure(e)) throw e;
    const now = ownTransaction(await findTransactionStatement(db, t.id).first(), principal, t.id);
    assertOpen(now);
    throw new ApiError('transaction_limit_exceeded', `The maximum number of operations per transaction (${MAX_OPERATIONS}) has been exceeded.`);
  }
  return { record: { ...t, operations: t.operations + added, updatedAt: nowDate() }, replay: result };
}

/** The caller's open transaction `id`, for a read or a staged write through it. */
export async function openTransaction(db: D1Database, principal: Principal, id: string): Promise<TransactionRecord> {
  const t = ownTransaction(await findTransactionStatement(db, id).first(), principal, id);
  assertOpen(t);
  return t;
}

/**
 * A row route called with `transactionId`: its call staged as one operation instead of applied.
 * Answers the row as the transaction now leaves it (null when it deletes it or the call is bulk).
 */
export async function stageRowCall(
  db: D1Database,
  principal: Principal,
  transactionId: string,
  op: StagedOp,
): Promise<{ row: StoredRow | null; table: TableDef }> {
  const t = ownTransaction(await findTransactionStatement(db, transactionId).first(), principal, transactionId);
  checkShape(op);
  const { replay: r } = await stageOperations(db, principal, t, [op]);
  const st = [...r.states.values()].find((s) => s.table.databaseId === op.databaseId && s.table.id === op.tableId && s.id === op.rowId);
  const table = st?.table ?? (await loadFor(db, principal, [op])).targets[0].table;
  return { row: st?.row ?? null, table };
}
