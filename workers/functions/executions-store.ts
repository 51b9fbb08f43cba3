import { and, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { executions, type ExecutionInput, type HeaderPair } from '../db/schema';
import { ApiError } from '../lib/errors';
import type { Principal } from '../lib/principal';
import { formatAtLeast } from '../lib/response-format';
import { loadInKeyOrder, runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';
import { nowDate } from '../lib/time';

export type ExecutionRow = typeof executions.$inferSelect;

/** Appwrite's FUNCTION_ALLOWLIST_HEADERS_REQUEST / _RESPONSE: what an execution record keeps. */
const KEPT_REQUEST_HEADERS = ['content-type', 'agent', 'content-length', 'host', 'x-appwrite-client-ip'];
const KEPT_RESPONSE_HEADERS = ['content-type', 'content-length'];

export const keptHeaders = (headers: Record<string, string>, kind: 'request' | 'response'): HeaderPair[] => {
  const allowed = kind === 'request' ? KEPT_REQUEST_HEADERS : KEPT_RESPONSE_HEADERS;
  return Object.entries(headers)
    .filter(([name]) => allowed.includes(name.toLowerCase()))
    .map(([name, value]) => ({ name, value }));
};

/**
 * Appwrite's Execution model. Response format 2.0 names the function `resourceId` with
 * `resourceType`; 1.9.5 (node-appwrite 27.1) calls it `functionId`. Logs and errors are for API
 * keys only, as in Appwrite; `responseBody` exists only in a synchronous execution's answer.
 */
export function executionModel(
  row: ExecutionRow,
  opts: { format: string; principal: Principal; responseBody?: string; responseHeaders?: HeaderPair[] },
) {
  const owner = formatAtLeast(opts.format, '2.0.0') ? { resourceId: row.functionId, resourceType: 'functions' } : { functionId: row.functionId };
  const privileged = opts.principal.kind === 'key';
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    $permissions: row.permissions,
    ...owner,
    deploymentId: row.deploymentId,
    trigger: row.trigger,
    status: row.status,
    requestMethod: row.requestMethod,
    requestPath: row.requestPath,
    requestHeaders: row.requestHeaders,
    responseStatusCode: row.responseStatusCode,
    responseBody: opts.responseBody ?? '',
    responseHeaders: opts.responseHeaders ?? row.responseHeaders,
    logs: privileged ? row.logs : '',
    errors: privileged ? row.errors : '',
    duration: row.duration,
    scheduledAt: row.scheduledAt ?? undefined,
  };
}

/** A new execution row; a synchronous run is written once, finished, with its outcome. */
export type NewExecution = Omit<ExecutionRow, 'seq' | 'createdAt' | 'updatedAt' | 'responseStatusCode' | 'responseHeaders' | 'logs' | 'errors' | 'duration' | 'queued'> & {
  queued?: boolean;
} & Partial<Omit<ExecutionOutcome, 'status'>>;

export function insertExecutionStatement(db: D1Database, input: NewExecution, orIgnore = false) {
  const now = nowDate();
  const q = drizzle(db).insert(executions).values({ ...input, queued: input.queued ?? false, createdAt: now, updatedAt: now });
  return orIgnore ? q.onConflictDoNothing() : q;
}

/** The same insert as a plain D1 statement, to sit in a batch beside raw SQL. */
export function insertExecutionD1(db: D1Database, input: NewExecution, orIgnore = false): D1PreparedStatement {
  const q = insertExecutionStatement(db, input, orIgnore).toSQL();
  return db.prepare(q.sql).bind(...q.params);
}

export async function insertExecution(db: D1Database, input: NewExecution): Promise<ExecutionRow> {
  const [row] = await insertExecutionStatement(db, input).returning();
  return row;
}

export interface ExecutionOutcome {
  status: 'completed' | 'failed';
  responseStatusCode: number;
  responseHeaders: HeaderPair[];
  logs: string;
  errors: string;
  duration: number;
}

export async function finishExecution(db: D1Database, id: string, outcome: ExecutionOutcome): Promise<ExecutionRow> {
  const [row] = await drizzle(db)
    .update(executions)
    .set({ ...outcome, input: null, updatedAt: nowDate() })
    .where(eq(executions.id, id))
    .returning();
  return row;
}

/**
 * Records why a waiting (or scheduled) execution will never run — its queue message could not be
 * sent, or never arrived — so it ends `failed` instead of waiting forever. Null when it had
 * already left the queue's hands (claimed, finished or deleted).
 */
export async function failWaiting(db: D1Database, id: string, errors: string): Promise<ExecutionRow | null> {
  const rows = await drizzle(db)
    .update(executions)
    .set({ status: 'failed', responseStatusCode: 500, errors, input: null, updatedAt: nowDate() })
    .where(and(eq(executions.id, id), sql`${executions.status} IN ('waiting', 'scheduled')`))
    .returning();
  return rows[0] ?? null;
}

/** Waiting executions last touched at or before `before`: their message is long lost or dead-lettered. */
export async function failStaleWaiting(db: D1Database, before: string, errors: string): Promise<number> {
  const { meta } = await db
    .prepare("UPDATE executions SET status = 'failed', response_status_code = 500, errors = ?, input = NULL, updated_at = ? WHERE status = 'waiting' AND updated_at <= ?")
    .bind(errors, nowDate(), before)
    .run();
  return meta.changes ?? 0;
}

/** Takes a queued execution for running; null when another delivery already took it (or it is gone). */
export async function claimExecution(db: D1Database, id: string): Promise<ExecutionRow | null> {
  const rows = await drizzle(db)
    .update(executions)
    .set({ status: 'processing', updatedAt: nowDate() })
    .where(and(eq(executions.id, id), sql`${executions.status} IN ('waiting', 'scheduled')`))
    .returning();
  return rows[0] ?? null;
}

export async function getExecution(db: D1Database, functionId: string, id: string): Promise<ExecutionRow> {
  const row = (await drizzle(db).select().from(executions).where(and(eq(executions.functionId, functionId), eq(executions.id, id))).limit(1))[0];
  if (!row) throw new ApiError('execution_not_found');
  return row;
}

/** A non-key caller reads the executions whose `read` permissions name one of its roles. */
export function canReadExecution(principal: Principal, row: ExecutionRow): boolean {
  return principal.kind === 'key' || row.permissions.some((p) => principal.roles.some((r) => p === `read("${r}")`));
}

const EXECUTION_LIST: SystemList = {
  noun: 'Execution',
  target: systemTarget('executions', 'seq', {
    trigger: ['trigger', 'text'],
    status: ['status', 'text'],
    responseStatusCode: ['response_status_code', 'integer'],
    duration: ['duration', 'real'],
    requestMethod: ['request_method', 'text'],
    requestPath: ['request_path', 'text'],
    deploymentId: ['deployment_id', 'text'],
  }),
};

export async function listExecutions(db: D1Database, functionId: string, principal: Principal, input: SystemListInput, format: string) {
  const scope = [{ sql: 'function_id = ?', params: [functionId] as unknown[] }];
  if (principal.kind !== 'key') {
    scope.push({
      sql: 'EXISTS (SELECT 1 FROM json_each(permissions) p WHERE p.value IN (SELECT \'read("\' || r.value || \'")\' FROM json_each(?) r))',
      params: [JSON.stringify(principal.roles)],
    });
  }
  const { keys, total } = await runSystemList(db, EXECUTION_LIST, { ...input, scope });
  const rows = await loadInKeyOrder(keys, executions.seq, (where) => drizzle(db).select().from(executions).where(where), (r) => r.seq);
  return { total, executions: rows.map((row) => executionModel(row, { format, principal })) };
}

export type { ExecutionInput };
