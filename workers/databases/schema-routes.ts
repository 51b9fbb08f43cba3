/**
 * The schema admin API, API keys only: databases, tables/collections, columns/attributes and
 * indexes. One implementation, two thin shapes: `schemaRoutes('tablesdb')` is mounted at
 * `/v1/tablesdb`, `schemaRoutes('legacy')` at `/v1/databases`. Paths under `/rows`, `/documents`
 * and `/transactions` belong to the row routes; the bare `/:databaseId` route leaves the
 * `transactions` and `specifications` segments to them.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { jsonSafe, makeEvent } from '../events/event';
import { publishAfterCommit } from '../events/publish';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { listParams } from '../lib/validator';
import { query } from '../http/body';
import { jsonBig } from '../lib/json-big';
import { readBody } from '../http/body';
import { checkColumn, COLUMN_TYPES, createColumnSchema, keyParam, orderParam, updateColumnSchema } from './column-rules';
import { createColumn, deleteColumn, findColumn, updateColumn } from './column-store';
import { flavoredError, type Flavor } from './flavor';
import { createIndex, deleteIndex, findIndex } from './index-store';
import { inlineSchema, parseInlineColumns, parseInlineIndexes } from './inline-schema';
import { columnModel, databaseModel, indexModel, tableModel } from './schema-models';
import { queryColumns, queryDatabases, queryIndexes, queryTables } from './schema-list';
import {
  createDatabase, createTable, deleteDatabase, deleteTable, getDatabase, loadTable,
  updateDatabase, updateTable,
} from './schema-store';
import type { ColumnType } from './types';
import { visibleRelation } from './relationships/defs';
import { createRelationshipSchema, relationColumnModel, updateRelationshipSchema } from './relationships/model';
import { createRelationship, deleteRelationship, findRelation, updateRelationship } from './relationships/schema-ops';

/** Appwrite's rule: the caller needs any one of the route's scopes. Sessions and guests hold none of these. */
function requireAnyScope(...scopes: string[]): MiddlewareHandler<AppEnv> {
  return async function ledgeRequireAnyScope(c, next) {
    const p = c.get('principal');
    if (!scopes.some((s) => p.scopes.has(s))) {
      const who = p.kind === 'key' ? 'API key' : p.kind === 'user' ? 'User (role: users)' : 'User (role: guests)';
      throw new ApiError('general_unauthorized_scope', `${who} missing scopes (${JSON.stringify(scopes)})`);
    }
    return next();
  };
}

const listQuery = query(listParams);
const DB = ':databaseId{(?!transactions$|specifications$)[^/]+}';

/**
 * Schema events carry the response model; queue messages are plain JSON, so int64 bounds travel
 * as (possibly rounded) numbers there. Only API keys see schema, so no role may read them.
 */
function emit(c: Context<AppEnv>, names: string[], payload: Record<string, unknown>) {
  publishAfterCommit(c, [makeEvent(names, jsonSafe(payload), [])]);
}

export function schemaRoutes(flavor: Flavor) {
  const tables = flavor === 'tablesdb';
  const T = tables ? 'tables' : 'collections';
  const C = tables ? 'columns' : 'attributes';
  const tableIdParam = tables ? 'tableId' : 'collectionId';
  const securityParam = tables ? 'rowSecurity' : 'documentSecurity';
  const columnsParam = tables ? 'columns' : 'attributes';
  const scope = {
    tablesRead: requireAnyScope(...(tables ? ['tables.read', 'collections.read'] : ['collections.read'])),
    tablesWrite: requireAnyScope(...(tables ? ['tables.write', 'collections.write'] : ['collections.write'])),
    columnsRead: requireAnyScope(...(tables ? ['tables.read', 'collections.read', 'columns.read', 'attributes.read'] : ['collections.read', 'attributes.read'])),
    columnsWrite: requireAnyScope(...(tables ? ['tables.write', 'collections.write', 'columns.write', 'attributes.write'] : ['collections.write', 'attributes.write'])),
    indexesRead: requireAnyScope(...(tables ? ['tables.read', 'collections.read', 'indexes.read'] : ['collections.read', 'indexes.read'])),
    indexesWrite: requireAnyScope(...(tables ? ['tables.write', 'collections.write', 'indexes.write'] : ['collections.write', 'indexes.write'])),
  };
  /** Both names of a table-level event, this API's first. */
  const tableEvents = (db: string, t: string, tail: string) => {
    const own = `databases.${db}.${T}.${t}${tail}`;
    const other = `databases.${db}.${tables ? 'collections' : 'tables'}.${t}${tail
      .replace(/^\.(columns|attributes)\./, tables ? '.attributes.' : '.columns.')}`;
    return [own, other];
  };
  const params = (c: Context<AppEnv>) => ({ db: c.req.param('databaseId')!, t: c.req.param('tableId')! });

  const tableInput = z.object({
    [tableIdParam]: z.string(),
    name: z.string().min(1).max(128),
    permissions: z.array(z.string()).max(100).nullish(),
    [securityParam]: z.boolean().optional(),
    enabled: z.boolean().optional(),
    [columnsParam]: z.array(z.record(z.string(), z.unknown())).max(100).optional(),
    indexes: z.array(z.record(z.string(), z.unknown())).max(100).optional(),
  });
  const tableUpdate = z.object({
    name: z.string().min(1).max(128).nullish(),
    permissions: z.array(z.string()).max(100).nullish(),
    [securityParam]: z.boolean().optional(),
    enabled: z.boolean().optional(),
    purge: z.boolean().optional(),
  });
  const indexInput = z.object({
    key: keyParam,
    type: z.enum(['key', 'unique', 'fulltext', 'spatial']),
    [columnsParam]: z.array(z.string().max(64)).max(100),
    orders: z.array(orderParam).max(100).nullish(),
    lengths: z.array(z.number().int().nullable()).max(100).nullish(),
  });
  const columnType = (c: Context<AppEnv>): ColumnType => {
    const type = c.req.param('type')!;
    if (!(COLUMN_TYPES as readonly string[]).includes(type)) throw flavoredError(flavor, 'columnTypeNotSupported', undefined, type);
    return type as ColumnType;
  };

  return new Hono<AppEnv>()
    // ---- databases ----
    .get('/', requireAnyScope('databases.read'), listQuery, async (c) => {
      const { total, databases } = await queryDatabases(c.env.DB, c.req.valid('query'));
      return c.json({ total, databases: databases.map(databaseModel) });
    })
    .post('/', requireAnyScope('databases.write'), async (c) => {
      const input = await readBody(c, z.object({ databaseId: z.string(), name: z.string().min(1).max(128), enabled: z.boolean().optional() }));
      const database = await createDatabase(c.env.DB, {
        id: resolveId(input.databaseId, 'databaseId'), name: input.name, enabled: input.enabled ?? true, type: flavor,
      });
      emit(c, [`databases.${database.id}.create`], databaseModel(database));
      return c.json(databaseModel(database), 201);
    })
    .get(`/${DB}`, requireAnyScope('databases.read'), async (c) => c.json(databaseModel(await getDatabase(c.env.DB, c.req.param('databaseId')))))
    .put(`/${DB}`, requireAnyScope('databases.write'), async (c) => {
      const input = await readBody(c, z.object({ name: z.string().min(1).max(128).nullish(), enabled: z.boolean().optional() }));
      const current = await getDatabase(c.env.DB, c.req.param('databaseId'));
      const database = await updateDatabase(c.env.DB, current.id, { name: input.name ?? current.name, enabled: input.enabled ?? true });
      emit(c, [`databases.${database.id}.update`], databaseModel(database));
      return c.json(databaseModel(database));
    })
    .delete(`/${DB}`, requireAnyScope('databases.write'), async (c) => {
      const database = await deleteDatabase(c.env.DB, c.req.param('databaseId'));
      emit(c, [`databases.${database.id}.delete`], databaseModel(database));
      return c.body(null, 204);
    })
    // ---- tables / collections ----
    .get(`/:databaseId/${T}`, scope.tablesRead, listQuery, async (c) => {
      const { total, tables: page } = await queryTables(c.env.DB, flavor, c.req.param('databaseId'), c.req.valid('query'));
      return jsonBig({ total, [T]: page.map((t) => tableModel(t, flavor)) });
    })
    .post(`/:databaseId/${T}`, scope.tablesWrite, async (c) => {
      const input = await readBody(c, tableInput);
      const db = c.req.param('databaseId');
      const id = resolveId(input[tableIdParam] as string, tableIdParam);
      const columns = parseInlineColumns(flavor, (input[columnsParam] ?? []) as Record<string, unknown>[]);
      const indexes = parseInlineIndexes(flavor, (input.indexes ?? []) as Record<string, unknown>[]);
      const table = await createTable(
        c.env.DB, flavor, db,
        { id, name: input.name as string, permissions: (input.permissions as string[] | null) ?? [], rowSecurity: (input[securityParam] as boolean) ?? false, enabled: (input.enabled as boolean) ?? true },
        inlineSchema(c.env.DB, flavor, id, columns, indexes),
      );
      emit(c, tableEvents(db, table.id, '.create'), tableModel(table, flavor));
      return jsonBig(tableModel(table, flavor), 201);
    })
    .get(`/:databaseId/${T}/:tableId`, scope.tablesRead, async (c) => {
      const { db, t } = params(c);
      return jsonBig(tableModel(await loadTable(c.env.DB, db, t, flavor), flavor));
    })
    .put(`/:databaseId/${T}/:tableId`, scope.tablesWrite, async (c) => {
      const input = await readBody(c, tableUpdate);
      const { db, t } = params(c);
      const current = await loadTable(c.env.DB, db, t, flavor);
      const table = await updateTable(c.env.DB, flavor, db, t, {
        name: (input.name as string | null | undefined) ?? current.name,
        permissions: (input.permissions as string[] | null | undefined) ?? null,
        rowSecurity: (input[securityParam] as boolean | undefined) ?? false,
        enabled: (input.enabled as boolean | undefined) ?? true,
      });
      emit(c, tableEvents(db, t, '.update'), tableModel(table, flavor));
      return jsonBig(tableModel(table, flavor));
    })
    .delete(`/:databaseId/${T}/:tableId`, scope.tablesWrite, async (c) => {
      const { db, t } = params(c);
      const table = await deleteTable(c.env.DB, flavor, db, t);
      emit(c, tableEvents(db, t, '.delete'), tableModel(table, flavor));
      return c.body(null, 204);
    })
    // ---- columns / attributes ----
    .get(`/:databaseId/${T}/:tableId/${C}`, scope.columnsRead, listQuery, async (c) => {
      const { db, t } = params(c);
      const { total, columns, table } = await queryColumns(c.env.DB, flavor, db, t, c.req.valid('query'));
      const model = (col: (typeof columns)[number]) => {
        const rel = (col.type as string) === 'relationship' ? visibleRelation(table.relationships, col.key) : undefined;
        return rel ? relationColumnModel(rel, flavor) : columnModel(col);
      };
      return jsonBig({ total, [C]: columns.map(model) });
    })
    // Relationship columns first: the generic `${C}/:type/:key` route below would take their PATCH.
    .post(`/:databaseId/${T}/:tableId/${C}/relationship`, scope.columnsWrite, async (c) => {
      const input = await readBody(c, createRelationshipSchema(flavor));
      const { db, t } = params(c);
      const { parent, related } = await createRelationship(c.env.DB, flavor, db, t, input);
      emit(c, tableEvents(db, t, `.${C}.${parent.key}.create`), relationColumnModel(parent, flavor));
      if (parent.twoWay) {
        const twin = { ...parent, key: parent.twoWayKey, twoWayKey: parent.key, side: 'child' as const, relatedTableSeq: -1, relatedTableId: t };
        emit(c, tableEvents(db, related.id, `.${C}.${twin.key}.create`), relationColumnModel(twin, flavor));
      }
      return jsonBig(relationColumnModel(parent, flavor), 202);
    })
    .patch(tables ? `/:databaseId/${T}/:tableId/${C}/:key/relationship` : `/:databaseId/${T}/:tableId/${C}/relationship/:key`, scope.columnsWrite, async (c) => {
      const input = await readBody(c, updateRelationshipSchema);
      const { db, t } = params(c);
      const rel = await updateRelationship(c.env.DB, flavor, db, t, c.req.param('key')!, input);
      emit(c, tableEvents(db, t, `.${C}.${rel.key}.update`), relationColumnModel(rel, flavor));
      return jsonBig(relationColumnModel(rel, flavor));
    })
    .post(`/:databaseId/${T}/:tableId/${C}/:type`, scope.columnsWrite, async (c) => {
      const type = columnType(c);
      const input = await readBody(c, createColumnSchema(type));
      const { db, t } = params(c);
      const column = await createColumn(c.env.DB, flavor, db, t, checkColumn(flavor, { ...input, type }));
      emit(c, tableEvents(db, t, `.${C}.${column.key}.create`), columnModel(column));
      return jsonBig(columnModel(column), 202);
    })
    .patch(`/:databaseId/${T}/:tableId/${C}/:type/:key`, scope.columnsWrite, async (c) => {
      const type = columnType(c);
      const input = await readBody(c, updateColumnSchema(type));
      const { db, t } = params(c);
      const column = await updateColumn(c.env.DB, flavor, db, t, c.req.param('key'), type, {
        required: input.required, default: input.default, size: input.size as number | null | undefined,
        min: input.min as number | bigint | null | undefined, max: input.max as number | bigint | null | undefined,
        elements: input.elements as string[] | undefined, newKey: input.newKey,
      });
      emit(c, tableEvents(db, t, `.${C}.${column.key}.update`), columnModel(column));
      return jsonBig(columnModel(column));
    })
    .get(`/:databaseId/${T}/:tableId/${C}/:key`, scope.columnsRead, async (c) => {
      const { db, t } = params(c);
      const table = await loadTable(c.env.DB, db, t, flavor);
      const rel = visibleRelation(table.relationships, c.req.param('key'));
      return jsonBig(rel ? relationColumnModel(rel, flavor) : columnModel(findColumn(flavor, table, c.req.param('key'))));
    })
    .delete(`/:databaseId/${T}/:tableId/${C}/:key`, scope.columnsWrite, async (c) => {
      const { db, t } = params(c);
      const table = await loadTable(c.env.DB, db, t, flavor);
      if (visibleRelation(table.relationships, c.req.param('key'))) {
        const rel = findRelation(flavor, table, c.req.param('key'));
        await deleteRelationship(c.env.DB, table, rel);
        emit(c, tableEvents(db, t, `.${C}.${rel.key}.delete`), relationColumnModel(rel, flavor));
        return c.body(null, 204);
      }
      const column = await deleteColumn(c.env.DB, flavor, db, t, c.req.param('key'));
      emit(c, tableEvents(db, t, `.${C}.${column.key}.delete`), columnModel(column));
      return c.body(null, 204);
    })
    // ---- indexes ----
    .get(`/:databaseId/${T}/:tableId/indexes`, scope.indexesRead, listQuery, async (c) => {
      const { db, t } = params(c);
      const { total, indexes } = await queryIndexes(c.env.DB, flavor, db, t, c.req.valid('query'));
      return c.json({ total, indexes: indexes.map((i) => indexModel(i, flavor)) });
    })
    .post(`/:databaseId/${T}/:tableId/indexes`, scope.indexesWrite, async (c) => {
      const input = await readBody(c, indexInput);
      const { db, t } = params(c);
      if (input.type === 'spatial') throw flavoredError(flavor, 'indexInvalid', 'Spatial indexes are not supported.');
      const index = await createIndex(c.env.DB, flavor, db, t, {
        key: input.key as string, type: input.type as 'key' | 'unique' | 'fulltext', columns: input[columnsParam] as string[],
        orders: (input.orders as ('ASC' | 'DESC')[] | null | undefined) ?? [], lengths: (input.lengths as (number | null)[] | null | undefined) ?? [],
      });
      emit(c, tableEvents(db, t, `.indexes.${index.key}.create`), indexModel(index, flavor));
      return c.json(indexModel(index, flavor), 202);
    })
    .get(`/:databaseId/${T}/:tableId/indexes/:key`, scope.indexesRead, async (c) => {
      const { db, t } = params(c);
      return c.json(indexModel(findIndex(flavor, await loadTable(c.env.DB, db, t, flavor), c.req.param('key')), flavor));
    })
    .delete(`/:databaseId/${T}/:tableId/indexes/:key`, scope.indexesWrite, async (c) => {
      const { db, t } = params(c);
      const index = await deleteIndex(c.env.DB, flavor, db, t, c.req.param('key'));
      emit(c, tableEvents(db, t, `.indexes.${index.key}.delete`), indexModel(index, flavor));
      return c.body(null, 204);
    });
}

export const tablesDbSchemaRoutes = schemaRoutes('tablesdb');
export const legacyDatabasesSchemaRoutes = schemaRoutes('legacy');
