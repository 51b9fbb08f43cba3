/**
 * Transactions as records: create (with a ttl), get, list and status changes. A transaction
 * belongs to its creator (a user, or the API key that made it); anyone else is told it does not
 * exist. Operations are staged in `transaction_operations` (stage.ts) and applied on commit
 * (commit.ts). Expired transactions are dropped by the cron (`dropExpiredTransactions`).
 */
import { ApiError } from '../../lib/errors';
import { uniqueId } from '../../lib/ids';
import type { Principal } from '../../lib/principal';
import { pageOnly } from '../../lib/system-list';
import { nowDate, toAppwriteDate } from '../../lib/time';

/** Appwrite's bounds for `ttl` (seconds) and its default. */
export const TTL_MIN = 60;
export const TTL_MAX = 3600;
export const TTL_DEFAULT = 300;
/** Operations per transaction (Appwrite's free-plan limit). */
export const MAX_OPERATIONS = 100;

export type TransactionStatus = 'pending' | 'committing' | 'committed' | 'rolled_back' | 'failed';

export interface TransactionRecord {
  id: string;
  owner: string;
  status: TransactionStatus;
  operations: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
}

/** Who a transaction belongs to; guests have no identity to own one. */
export function ownerOf(principal: Principal): string {
  if (principal.kind === 'user') return `user:${principal.userId}`;
  if (principal.kind === 'key') return `key:${principal.keyId}`;
  throw new ApiError('user_unauthorized');
}

function decode(raw: Record<string, unknown>): TransactionRecord {
  return {
    id: String(raw.id),
    owner: String(raw.owner),
    status: String(raw.status) as TransactionStatus,
    operations: Number(raw.operations),
    createdAt: String(raw.created_at),
    updatedAt: String(raw.updated_at),
    expiresAt: String(raw.expires_at),
  };
}

/** The Transaction response model. */
export function transactionModel(t: TransactionRecord) {
  return { $id: t.id, $createdAt: t.createdAt, $updatedAt: t.updatedAt, status: t.status, operations: t.operations, expiresAt: t.expiresAt };
}

export async function createTransaction(db: D1Database, principal: Principal, ttl: number): Promise<TransactionRecord> {
  if (!Number.isInteger(ttl) || ttl < TTL_MIN || ttl > TTL_MAX) {
    throw new ApiError('general_argument_invalid', `Invalid \`ttl\` param: Value must be a valid range between ${TTL_MIN} and ${TTL_MAX}`);
  }
  const now = Date.now();
  const record: TransactionRecord = {
    id: uniqueId(),
    owner: ownerOf(principal),
    status: 'pending',
    operations: 0,
    createdAt: toAppwriteDate(now),
    updatedAt: toAppwriteDate(now),
    expiresAt: toAppwriteDate(now + ttl * 1000),
  };
  await db
    .prepare('INSERT INTO transactions (id, owner, status, operations, created_at, updated_at, expires_at) VALUES (?, ?, ?, 0, ?, ?, ?)')
    .bind(record.id, record.owner, record.status, record.createdAt, record.updatedAt, record.expiresAt)
    .run();
  return record;
}

export function findTransactionStatement(db: D1Database, id: string): D1PreparedStatement {
  return db.prepare('SELECT * FROM transactions WHERE id = ?').bind(id);
}

/** The caller's transaction `id`, or `transaction_not_found` (also for someone else's). */
export function ownTransaction(raw: Record<string, unknown> | null | undefined, principal: Principal, id: string): TransactionRecord {
  if (!raw) throw new ApiError('transaction_not_found', undefined, id);
  const record = decode(raw);
  if (principal.kind === 'guest' || record.owner !== ownerOf(principal)) throw new ApiError('transaction_not_found', undefined, id);
  return record;
}

export async function getTransaction(db: D1Database, principal: Principal, id: string): Promise<TransactionRecord> {
  return ownTransaction(await findTransactionStatement(db, id).first(), principal, id);
}

/** The caller's transaction, which must still take operations or a commit. */
export function assertOpen(t: TransactionRecord): void {
  if (t.status !== 'pending') throw new ApiError('transaction_invalid', `The transaction is ${t.status.replace('_', ' ')}.`);
  if (t.expiresAt < nowDate()) throw new ApiError('transaction_expired');
}

export async function listTransactions(db: D1Database, principal: Principal, queries: string[]) {
  const owner = ownerOf(principal);
  const { limit, offset } = pageOnly(queries);
  const [page, count] = await db.batch<Record<string, unknown>>([
    db.prepare('SELECT * FROM transactions WHERE owner = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?').bind(owner, limit, offset),
    db.prepare('SELECT COUNT(*) AS total FROM transactions WHERE owner = ?').bind(owner),
  ]);
  return { total: Number(count.results[0]?.total ?? 0), transactions: page.results.map(decode) };
}

/** The statement that ends a pending transaction with `status` and drops what it staged. */
export function finishStatements(db: D1Database, id: string, status: TransactionStatus): D1PreparedStatement[] {
  return [
    db.prepare(`UPDATE transactions SET status = ?, updated_at = ? WHERE id = ?`).bind(status, nowDate(), id),
    db.prepare('DELETE FROM transaction_operations WHERE transaction_id = ?').bind(id),
    db.prepare('DELETE FROM transaction_snapshots WHERE transaction_id = ?').bind(id),
  ];
}

export async function rollbackTransaction(db: D1Database, t: TransactionRecord): Promise<TransactionRecord> {
  assertOpen(t);
  await db.batch(finishStatements(db, t.id, 'rolled_back'));
  return { ...t, status: 'rolled_back', updatedAt: nowDate() };
}

export async function deleteTransaction(db: D1Database, t: TransactionRecord): Promise<void> {
  await db.batch([...finishStatements(db, t.id, 'rolled_back').slice(1), db.prepare('DELETE FROM transactions WHERE id = ?').bind(t.id)]);
}

/** Cron: transactions past their expiry (plus a day for finished ones) go, with what they staged. */
export async function dropExpiredTransactions(db: D1Database): Promise<number> {
  const now = nowDate();
  const dayAgo = toAppwriteDate(Date.now() - 86_400_000);
  const expired = "SELECT id FROM transactions WHERE (status = 'pending' AND expires_at < ?1) OR expires_at < ?2";
  const [, , gone] = await db.batch([
    db.prepare(`DELETE FROM transaction_operations WHERE transaction_id IN (${expired})`).bind(now, dayAgo),
    db.prepare(`DELETE FROM transaction_snapshots WHERE transaction_id IN (${expired})`).bind(now, dayAgo),
    db.prepare(`DELETE FROM transactions WHERE id IN (${expired})`).bind(now, dayAgo),
  ]);
  return gone.meta.changes ?? 0;
}
