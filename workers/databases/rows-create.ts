/**
 * POST …/rows (and …/documents): one row, many (bulk), or a staged create in a transaction.
 *
 * A signed-in single create is ONE D1 round trip. The route is deferred (app.ts), so the caller's
 * credential check (session or JWT, user, memberships, TOTP, settings version) rides at the front
 * of the create's own batch, and the INSERT and its permission rows are conditioned in SQL — in
 * their WHERE, beside the cached definition's version guard — on what that check decides: the
 * session live, the user enabled and not held by MFA (roles-sql.ts `activeSessionSql`), the
 * caller's roles (SQL over the same live rows) holding one of the table's `create` roles and
 * every role the sent `permissions` name (lib/permissions-container `pendingCreateSql`). Nothing
 * about sessions or roles is cached across requests. The batch ends with the event sinks' probes, so
 * the row's event goes only where someone may want it (events/publish.ts `commitProbes`).
 *
 * The principal is then resolved from the check's results, and stays authoritative: a written
 * row is checked against it in JS, and when the INSERT wrote nothing (a guest, no create
 * permission, a stale definition, a refused permission, a role that changed) the create is
 * decided again on the normal path with the principal known, so every error is today's, status
 * and body. Keys, admin mode, guests (no credential), a session sent with a JWT, bulk creates,
 * transactions, tables with relationships, a table not cached yet and any body the fast path
 * cannot take resolve the caller first (one round trip) and take the normal path.
 */
import type { Context } from 'hono';
import type { ZodType } from 'zod';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { jsonBig } from '../lib/json-big';
import { newItemPermissions, pendingCreateSql } from '../lib/permissions-container';
import { readBody } from '../http/body';
import { commitProbes, type CommitFacts } from '../events/publish';
import { callerOf, resolveCaller, type PendingWriter } from '../identity/batch';
import { assertCanCreate, resolveRowPermissions, ROW_PERMISSION_ACTIONS, tableContainer } from './row-permissions';
import { checkRowData, type RowApi } from './row-values';
import { bulkCreateRows } from './rows-bulk';
import { createRow, decodeRow, deleteStatements, insertStatements, plainCreateData, rowModel, type StoredRow } from './rows-store';
import { publish, stage, stagedBulk, tableFor, tableRef, visibilityGate } from './rows-http';
import { cachedForWrite, writeWithTable } from './table-cache';
import type { TableDef } from './types';
import { rowWrite } from './relationships/row-hooks';
import { RelatedChanges } from './relationships/changes';

interface CreateBody {
  data?: Record<string, unknown>;
  permissions?: string[] | null;
  transactionId?: string | null;
  [param: string]: unknown;
}

/** The single create as statements conditioned on the pending caller, or null when it cannot ride. */
interface Folded {
  table: TableDef;
  requested: string[] | null | undefined;
  statements: D1PreparedStatement[];
  facts(results: readonly D1Result<Record<string, unknown>>[]): CommitFacts;
}

async function foldedPlan(c: Context<AppEnv>, api: RowApi, schema: ZodType, writer: PendingWriter): Promise<Folded | null> {
  const input = (await readBody(c, schema)) as CreateBody;
  const data = input.data ?? {};
  const rawId = input[api.idParam] as string | null | undefined;
  if (input.transactionId || input[api.listKey] !== undefined || Object.keys(data).length === 0 || !rawId) return null;
  const cached = cachedForWrite(tableRef(c, api));
  if (!cached || cached.table.relationships.length > 0) return null;
  const { table, guard } = cached;
  visibilityGate(api, false)(table, true); // the database's own flag is in the guard
  const id = resolveId(rawId, api.idParam);
  const requested = input.permissions;
  const perms = newItemPermissions(writer.userId, requested, ROW_PERMISSION_ACTIONS);
  const checked = checkRowData(table, plainCreateData(table, api, data), { api, mode: 'create', privileged: false });
  const may = pendingCreateSql(writer.roles, tableContainer(table), requested === null || requested === undefined ? null : perms);
  const also = { sql: `${writer.active.sql} AND (${may.sql})`, params: [...writer.active.params, ...may.params] };
  const statements = insertStatements(c.env.DB, table, api, id, checked.values, perms, checked.createdAt, checked.updatedAt, guard, also);
  // Read last, in the same transaction: whether any sink's audience wants the event (events/publish.ts).
  const probes = commitProbes(c.env);
  return { table, requested, statements: [...statements, ...probes.statements], facts: probes.facts };
}

/**
 * The one-round-trip create (see the file's comment): the row, or null once the caller is
 * resolved and the normal path must decide.
 */
async function createInOneTrip(c: Context<AppEnv>, api: RowApi, schema: ZodType): Promise<{ table: TableDef; row: StoredRow; commit: CommitFacts } | null> {
  const caller = callerOf(c);
  const writer = caller.writer();
  if (!writer) {
    await resolveCaller(c); // nothing to wait for unless a deferral offered no write condition
    return null;
  }
  let folded: Folded | null = null;
  try {
    folded = await foldedPlan(c, api, schema, writer);
  } catch {
    // A body the normal path refuses: it must answer as it does today, after the caller's own refusals.
  }
  if (!folded) {
    await resolveCaller(c);
    return null;
  }
  let results: D1Result<Record<string, unknown>>[];
  try {
    results = await caller.batch(folded.statements);
  } catch (e) {
    // Refused once the caller was known (an ended JWT, a blocked user, an MFA hold): nothing was written.
    if (!c.get('pendingPrincipal')) throw e;
    // The batch failed as a whole (a duplicate id, a unique index): the normal path names the error.
    await resolveCaller(c);
    return null;
  }
  const raw = results[0].results[0];
  if (!raw) return null;
  const { table } = folded;
  const row = decodeRow(table, raw);
  // The JS principal stays authoritative: should the SQL ever have let through what it refuses, undo.
  const principal = caller.principal();
  try {
    if (principal.kind !== 'user' || principal.userId !== writer.userId) throw new ApiError('user_unauthorized');
    resolveRowPermissions(principal, folded.requested, null);
    assertCanCreate(principal, table);
  } catch (e) {
    console.error(`[${c.get('requestId') ?? '-'}] a create conditioned in SQL was refused by the principal; undone`, e);
    await c.env.DB.batch(deleteStatements(c.env.DB, table, [row.seq]));
    throw e;
  }
  return { table, row, commit: folded.facts(results) };
}

/** The POST handler for `api`; `schema` is the route's body (rows-routes.ts `bodies.create`). */
export function createRowsHandler(api: RowApi, schema: ZodType) {
  return async (c: Context<AppEnv>) => {
    const fast = await createInOneTrip(c, api, schema);
    if (fast) {
      await publish(c, fast.table, api, [fast.row], 'create', undefined, fast.commit);
      return jsonBig(rowModel(fast.table, fast.row, api), 201);
    }
    const input = (await readBody(c, schema)) as CreateBody;
    const transactionId = input.transactionId;
    const principal = c.get('principal');
    const data = input.data ?? {};
    const bulk = input[api.listKey] as Record<string, unknown>[] | undefined;
    const hasData = Object.keys(data).length > 0;
    const hasBulk = !!bulk && bulk.length > 0;
    if (!hasData && !hasBulk) throw new ApiError(api.errors.missingData);
    if (hasData && hasBulk) throw new ApiError('general_bad_request', `You can only send one of the following parameters: data, ${api.listKey}`);
    if (hasBulk) {
      const table = await tableFor(c, api, principal);
      if (input[api.idParam]) {
        throw new ApiError('general_bad_request', `Param "${api.idParam}" is not allowed when creating multiple ${api.listKey}, set "$id" on each instead.`);
      }
      if (input.permissions && input.permissions.length) {
        throw new ApiError('general_bad_request', `Param "permissions" is disallowed when creating multiple ${api.listKey}, set "$permissions" on each instead`);
      }
      if (transactionId) return (await stage(c, api, transactionId, 'bulkCreate', null, bulk), stagedBulk(api, bulk!.length));
      const rows = await bulkCreateRows(c.env.DB, principal, table, api, bulk!);
      await publish(c, table, api, rows, 'create');
      return jsonBig({ total: rows.length, [api.listKey]: rows.map((r: StoredRow) => rowModel(table, r, api)) }, 201);
    }
    if (transactionId) {
      const rawId = input[api.idParam] as string | null | undefined;
      if (!rawId) throw new ApiError(api.errors.missingData);
      const id = resolveId(rawId, api.idParam);
      const perms = input.permissions;
      const staged = await stage(c, api, transactionId, 'create', id, perms ? { ...data, $permissions: perms } : data);
      return jsonBig(rowModel(staged.table, staged.row!, api), 201);
    }
    // The insert itself checks that the definition it was validated against is still current.
    const keyed = principal.kind === 'key';
    const changes = new RelatedChanges();
    const { table, value: row } = await writeWithTable(c.env.DB, tableRef(c, api), keyed, visibilityGate(api, keyed), (table, guard) => {
      const rawId = input[api.idParam] as string | null | undefined;
      if (!rawId) throw new ApiError(api.errors.missingData, `${api.flavor === 'tablesdb' ? 'Row' : 'Document'} ID is required when creating a single ${api.flavor === 'tablesdb' ? 'row' : 'document'}.`);
      const id = resolveId(rawId, api.idParam);
      return createRow(c.env.DB, principal, table, api, id, rowWrite(c.env.DB, principal, api, table, id, data, input.permissions, changes), guard);
    });
    await publish(c, table, api, [row], 'create', changes);
    return jsonBig(rowModel(table, row, api), 201);
  };
}
