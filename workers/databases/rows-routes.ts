/**
 * Rows over HTTP, in the two shapes the SDKs call: TablesDB (`/v1/tablesdb/:db/tables/:t/rows`)
 * and legacy Databases (`/v1/databases/:db/collections/:c/documents`). One set of handlers,
 * parameterised by `RowApi`; the store does the work, events go out after the write commits.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import type { Principal } from '../lib/principal';
import { boolParam, queriesParam } from '../lib/validator';
import { query } from '../http/body';
import { requireScope } from '../middleware/principal';
import { jsonBig, parseJsonBig } from '../lib/json-big';
import { readBody } from '../http/body';
import { DOCUMENTS_API, TABLES_API, type RowApi } from './row-values';
import { bulkDeleteRows, bulkUpdateRows, bulkUpsertRows } from './rows-bulk';
import { listPlan, selectionOf } from './rows-list';
import { aggregatePlan } from './rows-aggregate';
import { deleteRow, findRowPlan, getRowPlan, rowModel, updateRow, upsertRow, type StoredRow } from './rows-store';
import { stepColumn, steppableColumn } from './rows-step';
import { readWithTable, type ReadPlan } from './table-cache';
import { createRowsHandler } from './rows-create';
import { publish, stage, stagedBulk, tableFor, tableRef, visibilityGate } from './rows-http';
import { callerOf, type Caller } from '../identity/batch';
import type { TableDef } from './types';
import { modelRows } from './relationships/read';
import { restrictedAsApiError, rowDeleteExtra, rowWrite } from './relationships/row-hooks';
import { RelatedChanges } from './relationships/changes';
import { relatedDefsFor } from './relationships/query-defs';
import { listThroughTransaction, rowThroughTransaction } from './transactions/read';
import { openTransaction } from './transactions/stage';

const dataObject = z.record(z.string(), z.unknown());
/**
 * `data` as an object, or as a string holding a JSON object (Appwrite's JSON validator takes both);
 * anything else, `"null"` and `"{bad"` included, is Appwrite's 400 "Value must be a valid JSON string".
 */
const dataParam = z.unknown().transform((value, ctx): Record<string, unknown> | undefined => {
  if (value === undefined || value === null) return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = parseJsonBig(value);
    } catch {
      parsed = undefined;
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    ctx.addIssue({ code: 'custom', message: 'Value must be a valid JSON string' });
    return z.NEVER;
  }
  return parsed as Record<string, unknown>;
});
const permissionsParam = z.array(z.string()).max(100).nullish();
const transactionParam = z.string().nullish();
/** A finite number, or a `bigint` when the JSON literal was an integer beyond ±2^53 (kept exact). */
const numberParam = z.union([z.number(), z.bigint()]);

/**
 * A read over the table a request names, on a definition validated in the read's own batch. A
 * single-row write reads its row this way first, so it is decided on a current definition too.
 * On a deferred route (app.ts) the caller's credential is checked in that same batch.
 */
function readTable<T>(c: Context<AppEnv>, api: RowApi, caller: Caller, plan: (table: TableDef) => ReadPlan<T>) {
  return readWithTable(c.env.DB, caller.batch, tableRef(c, api), visibilityGate(api, caller.reader.kind === 'key'), plan);
}

/** The row the path names, read with its table (see `readTable`). */
function readRow(c: Context<AppEnv>, api: RowApi) {
  return readTable(c, api, callerOf(c), (table) => findRowPlan(c.env.DB, table, c.req.param('rowId')!));
}

/** listRows with `transactionId`: the caller's own open transaction's view (transactions/read.ts). */
async function listInTransaction(c: Context<AppEnv>, api: RowApi, caller: Caller, transactionId: string, queries: string[], total: boolean) {
  const { table } = await readTable(c, api, caller, () => ({ statements: [], finish: () => null }));
  const principal = caller.principal();
  const t = await openTransaction(c.env.DB, principal, transactionId);
  return { table, value: await listThroughTransaction(c.env.DB, principal, t, table, api, queries, total) };
}

export function rowsRoutes(api: RowApi) {
  const read = requireScope(api.flavor === 'tablesdb' ? 'rows.read' : 'documents.read');
  const write = requireScope(api.flavor === 'tablesdb' ? 'rows.write' : 'documents.write');
  const parent = api.flavor === 'tablesdb' ? 'tables' : 'collections';
  const base = `/:databaseId/${parent}/:tableId/${api.listKey}`;
  const one = `${base}/:rowId`;
  const bulkKey = api.listKey;
  // Built once per API, not once per request.
  const bodies = {
    create: z.object({
      [api.idParam]: z.string().nullish(),
      data: dataParam.optional(),
      permissions: permissionsParam,
      [bulkKey]: z.array(dataObject).max(1000).optional(),
      transactionId: transactionParam,
    }),
    upsertMany: z.object({ [bulkKey]: z.array(dataObject).max(1000), transactionId: transactionParam }),
    updateMany: z.object({ data: dataParam.optional(), queries: z.array(z.string()).max(100).optional(), transactionId: transactionParam }),
    deleteMany: z.object({ queries: z.array(z.string()).max(100).optional(), transactionId: transactionParam }),
    write: z.object({ data: dataParam.optional(), permissions: permissionsParam, transactionId: transactionParam }),
    remove: z.object({ transactionId: transactionParam }),
    step: z.object({ value: numberParam.optional(), max: numberParam.nullish(), min: numberParam.nullish(), transactionId: transactionParam }),
  };

  return new Hono<AppEnv>()
    .get(
      base,
      read,
      query(z.object({ queries: queriesParam, total: boolParam.optional(), transactionId: transactionParam, ttl: z.unknown().optional() })),
      async (c) => {
        const input = c.req.valid('query');
        const caller = callerOf(c);
        const related = input.transactionId ? undefined : await relatedDefsFor(c.env.DB, tableRef(c, api), api, input.queries ?? []);
        const { table, value: result } = input.transactionId
          ? await listInTransaction(c, api, caller, input.transactionId, input.queries ?? [], input.total !== false)
          : await readTable(c, api, caller, (table) => listPlan(c.env.DB, caller, table, api, input.queries ?? [], input.total !== false, related));
        const models = await modelRows({ db: c.env.DB, principal: caller.principal(), api }, table, result.rows, result.select);
        return jsonBig({ total: result.total, [api.listKey]: models });
      },
    )
    .post(base, write, createRowsHandler(api, bodies.create))
    .put(base, write, async (c) => {
      const input = await readBody(c, bodies.upsertMany);
      const transactionId = input.transactionId as string | null | undefined;
      if (transactionId) return (await stage(c, api, transactionId, 'bulkUpsert', null, input[bulkKey]), stagedBulk(api, (input[bulkKey] as unknown[]).length));
      const principal = c.get('principal');
      const table = await tableFor(c, api, principal);
      const rows = await bulkUpsertRows(c.env.DB, principal, table, api, input[bulkKey] as Record<string, unknown>[]);
      await publish(c, table, api, rows, 'upsert');
      return jsonBig({ total: rows.length, [api.listKey]: rows.map((r: StoredRow) => rowModel(table, r, api)) });
    })
    .patch(base, write, async (c) => {
      const input = await readBody(c, bodies.updateMany);
      if (input.transactionId) return (await stage(c, api, input.transactionId, 'bulkUpdate', null, { data: input.data ?? {}, queries: input.queries ?? [] }), stagedBulk(api));
      const principal = c.get('principal');
      const table = await tableFor(c, api, principal);
      const rows = await bulkUpdateRows(c.env.DB, principal, table, api, input.data ?? {}, input.queries ?? []);
      await publish(c, table, api, rows, 'update');
      return jsonBig({ total: rows.length, [api.listKey]: rows.map((r: StoredRow) => rowModel(table, r, api)) });
    })
    .delete(base, write, async (c) => {
      const input = await readBody(c, bodies.deleteMany);
      if (input.transactionId) return (await stage(c, api, input.transactionId, 'bulkDelete', null, { queries: input.queries ?? [] }), stagedBulk(api));
      const principal = c.get('principal');
      const table = await tableFor(c, api, principal);
      const changes = new RelatedChanges();
      const rows = await restrictedAsApiError(api, () => bulkDeleteRows(c.env.DB, principal, table, api, input.queries ?? [], changes));
      await publish(c, table, api, rows, 'delete', changes);
      return jsonBig({ total: rows.length, [api.listKey]: rows.map((r: StoredRow) => rowModel(table, r, api)) });
    })
    // Ledge extension (README "Databases: aggregation"): metrics over the rows a list would show.
    .get(
      `/:databaseId/${parent}/:tableId/aggregate`,
      read,
      query(z.object({ queries: queriesParam, metrics: z.array(z.string().max(128)).max(20).optional(), groupBy: z.array(z.string().max(128)).max(5).optional() })),
      async (c) => {
        const input = c.req.valid('query');
        const caller = callerOf(c);
        const { value } = await readTable(c, api, caller, (table) => aggregatePlan(c.env.DB, caller, table, input.queries ?? [], input.metrics ?? ['count'], input.groupBy ?? []));
        return jsonBig(value);
      },
    )
    .get(one, read, query(z.object({ queries: queriesParam, transactionId: transactionParam })), async (c) => {
      const input = c.req.valid('query');
      const caller = callerOf(c);
      if (input.transactionId) {
        const { table, value: select } = await readTable(c, api, caller, (table) => ({ statements: [], finish: () => selectionOf(table, input.queries ?? []) }));
        const principal = caller.principal();
        const t = await openTransaction(c.env.DB, principal, input.transactionId);
        const row = await rowThroughTransaction(c.env.DB, principal, t, table, api.flavor, c.req.param('rowId')!);
        if (!row) throw new ApiError(api.errors.notFound, undefined, c.req.param('rowId')!);
        const [model] = await modelRows({ db: c.env.DB, principal, api }, table, [row], select);
        return jsonBig(model);
      }
      const { table, value } = await readTable(c, api, caller, (table) => {
        const select = selectionOf(table, input.queries ?? []);
        const plan = getRowPlan(c.env.DB, () => caller.principal(), table, api, c.req.param('rowId')!);
        return { statements: plan.statements, finish: (results) => ({ row: plan.finish(results), select }) };
      });
      const [model] = await modelRows({ db: c.env.DB, principal: caller.principal(), api }, table, [value.row], value.select);
      return jsonBig(model);
    })
    .put(one, write, async (c) => {
      const input = await readBody(c, bodies.write);
      if (input.transactionId) {
        const data = input.permissions ? { ...(input.data ?? {}), $permissions: input.permissions } : (input.data ?? {});
        const staged = await stage(c, api, input.transactionId, 'upsert', resolveId(c.req.param('rowId')!, api.idParam), data);
        return jsonBig(rowModel(staged.table, staged.row!, api));
      }
      const principal = c.get('principal');
      const { table, value: found } = await readTable(c, api, callerOf(c), (table) => {
        const id = resolveId(c.req.param('rowId')!, api.idParam);
        const find = findRowPlan(c.env.DB, table, id);
        return { statements: find.statements, finish: (results) => ({ id, old: find.finish(results) }) };
      });
      const changes = new RelatedChanges();
      const write = rowWrite(c.env.DB, principal, api, table, found.id, input.data ?? {}, input.permissions, changes);
      const { row } = await upsertRow(c.env.DB, principal, table, api, found.id, found.old, write);
      await publish(c, table, api, [row], 'upsert', changes);
      return jsonBig(rowModel(table, row, api));
    })
    .patch(one, write, async (c) => {
      const input = await readBody(c, bodies.write);
      if (input.transactionId) {
        const data = input.permissions ? { ...(input.data ?? {}), $permissions: input.permissions } : (input.data ?? {});
        const staged = await stage(c, api, input.transactionId, 'update', c.req.param('rowId')!, data);
        return jsonBig(rowModel(staged.table, staged.row!, api));
      }
      const principal = c.get('principal');
      const { table, value: old } = await readRow(c, api);
      const id = c.req.param('rowId')!;
      const changes = new RelatedChanges();
      const row = await updateRow(c.env.DB, principal, table, api, id, old, rowWrite(c.env.DB, principal, api, table, id, input.data ?? {}, input.permissions, changes));
      await publish(c, table, api, [row], 'update', changes);
      return jsonBig(rowModel(table, row, api));
    })
    .delete(one, write, async (c) => {
      const input = await readBody(c, bodies.remove);
      if (input.transactionId) return (await stage(c, api, input.transactionId, 'delete', c.req.param('rowId')!, {}), c.body(null, 204));
      const principal = c.get('principal');
      const { table, value: old } = await readRow(c, api);
      const changes = new RelatedChanges();
      const row = await restrictedAsApiError(api, () => deleteRow(c.env.DB, principal, table, api, c.req.param('rowId')!, old, rowDeleteExtra(c.env.DB, api, table, changes)));
      await publish(c, table, api, [row], 'delete', changes);
      return c.body(null, 204);
    })
    .patch(`${one}/:column/:direction{increment|decrement}`, write, async (c) => {
      const direction = c.req.param('direction') as 'increment' | 'decrement';
      const boundKey = direction === 'increment' ? 'max' : 'min';
      const input = await readBody(c, bodies.step);
      if (input.transactionId) {
        const data = { column: c.req.param('column')!, value: input.value ?? 1, [boundKey]: input[boundKey] ?? null };
        const staged = await stage(c, api, input.transactionId, direction, c.req.param('rowId')!, data);
        return jsonBig(rowModel(staged.table, staged.row!, api));
      }
      const principal = c.get('principal');
      const by = input.value ?? 1;
      const { table, value: found } = await readTable(c, api, callerOf(c), (table) => {
        const col = steppableColumn(table, api, c.req.param('column')!, by);
        const find = findRowPlan(c.env.DB, table, c.req.param('rowId')!);
        return { statements: find.statements, finish: (results) => ({ col, old: find.finish(results) }) };
      });
      const row = await stepColumn(c.env.DB, principal, table, api, c.req.param('rowId')!, found.old, found.col, direction, by, input[boundKey] ?? null);
      await publish(c, table, api, [row], 'update');
      return jsonBig(rowModel(table, row, api));
    });
}

export const tablesRowsRoutes = rowsRoutes(TABLES_API);
export const documentsRoutes = rowsRoutes(DOCUMENTS_API);
