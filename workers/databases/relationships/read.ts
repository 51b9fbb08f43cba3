/**
 * Related rows in read responses, as Appwrite's opt-in loading does: nothing unless `select` names
 * the relationship (`author.*`, `author.name`, `tags.*`, `author.books.*`, or bare `author` for
 * the related rows' `$` attributes), at most `MAX_DEPTH` relationships deep. Each relationship of
 * each level is one round trip — the link table joined to the related table, for every row of the
 * page at once — on a related definition validated in the same batch (table-cache.ts).
 *
 * The related table's permissions hold: a related row the caller may not read is left out (a
 * single-valued side reads as null), as Appwrite does since PR #10590; so is every row of a
 * related table or database that is disabled, for callers other than API keys.
 */
import { ApiError } from '../../lib/errors';
import type { Principal } from '../../lib/principal';
import { ROW_SELECTABLE } from '../query-target';
import { canAccessRow } from '../row-permissions';
import type { RowApi } from '../row-values';
import { decodeRow, q, rowModel, rowSelectSql, type StoredRow } from '../rows-store';
import { readWithTable } from '../table-cache';
import type { TableDef } from '../types';
import { isMany, linkColumns, linkTableName, type RelationDef } from './types';

/** Appwrite's RELATION_MAX_DEPTH: how many relationships one select path may cross. */
export const MAX_DEPTH = 3;

export interface ReadContext {
  db: D1Database;
  principal: Principal;
  api: RowApi;
}

/** A select list split into this table's own names and, per relationship key, the names under it. */
export interface SplitSelect {
  own: string[] | null;
  nested: Map<RelationDef, string[]>;
}

function invalid(message: string): never {
  throw new ApiError('general_query_invalid', `Invalid query: ${message}`);
}

/**
 * Splits `select` for `table`; names must exist there (the first level was checked by the query
 * parser, deeper levels are checked here as they are reached). `path` prefixes error messages.
 */
export function splitSelect(table: TableDef, select: readonly string[] | null, path = ''): SplitSelect {
  const nested = new Map<RelationDef, string[]>();
  if (!select) return { own: null, nested };
  const own: string[] = [];
  for (const name of select) {
    const dot = name.indexOf('.');
    const head = dot < 0 ? name : name.slice(0, dot);
    const rel = table.relationships.find((r) => r.visible && r.key === head);
    if (rel) {
      const list = nested.get(rel) ?? [];
      if (dot >= 0) list.push(name.slice(dot + 1));
      nested.set(rel, list);
      continue;
    }
    const known = name === '*' || table.columns.some((c) => c.key === name) || (ROW_SELECTABLE as readonly string[]).includes(name);
    if (!known) invalid(`Attribute not found in schema: ${path}${name}`);
    own.push(name);
  }
  return { own, nested };
}

/** Response models of `rows`, with the related rows `select` asks for nested in. */
export async function modelRows(
  ctx: ReadContext, table: TableDef, rows: readonly StoredRow[], select: readonly string[] | null,
): Promise<Record<string, unknown>[]> {
  return modelLevel(ctx, table, rows, splitSelect(table, select), 1, '');
}

async function modelLevel(
  ctx: ReadContext, table: TableDef, rows: readonly StoredRow[], split: SplitSelect, depth: number, path: string,
): Promise<Record<string, unknown>[]> {
  const models = rows.map((r) => rowModel(table, r, ctx.api, split.own));
  if (split.nested.size === 0) return models;
  if (depth > MAX_DEPTH) invalid(`Relationships can be selected at most ${MAX_DEPTH} levels deep: ${path}`);
  if (rows.length === 0) return models;
  const ids = rows.map((r) => r.id);
  await Promise.all(
    [...split.nested].map(async ([rel, names]) => {
      const byOwner = await loadRelated(ctx, table, rel, ids, names, depth, `${path}${rel.key}.`);
      rows.forEach((row, i) => {
        const related = byOwner.get(row.id) ?? [];
        models[i][rel.key] = isMany(rel) ? related : related[0] ?? null;
      });
    }),
  );
  return models;
}

/** The related rows of `ids` through `rel`, modelled with `names`, grouped by owner id. */
async function loadRelated(
  ctx: ReadContext, table: TableDef, rel: RelationDef, ids: string[], names: string[], depth: number, path: string,
): Promise<Map<string, Record<string, unknown>[]>> {
  let hidden = false;
  const keyed = ctx.principal.kind === 'key';
  const ref = { databaseId: table.databaseId, tableId: rel.relatedTableId, flavor: ctx.api.flavor };
  const { table: related, value: found } = await readWithTable(
    ctx.db,
    (statements) => ctx.db.batch<Record<string, unknown>>(statements),
    ref,
    (t, databaseEnabled) => {
      hidden = !keyed && (!databaseEnabled || !t.enabled);
    },
    (related) => {
      const split = splitSelect(related, names.length ? names : ['$id'], path);
      const { own, other } = linkColumns(rel.side);
      const sql =
        `SELECT l.${own} AS _owner, ${rowSelectSql(related, 'x.')} FROM ${q(linkTableName(rel.seq))} AS l ` +
        `JOIN ${q(related.sqlName)} AS x ON x._uid = l.${other} WHERE l.${own} IN (SELECT value FROM json_each(?)) ORDER BY x._seq`;
      return {
        statements: [ctx.db.prepare(sql).bind(JSON.stringify(ids))],
        finish: ([result]) => ({
          split,
          rows: result.results.map((raw) => ({ owner: String(raw._owner), row: decodeRow(related, raw) })),
        }),
      };
    },
  );
  const byOwner = new Map<string, Record<string, unknown>[]>();
  if (hidden) return byOwner;
  const readable = found.rows.filter(({ row }) => canAccessRow(ctx.principal, related, row.permissions, 'read'));
  const models = await modelLevel(ctx, related, readable.map((r) => r.row), found.split, depth + 1, path);
  readable.forEach(({ owner }, i) => {
    const list = byOwner.get(owner) ?? [];
    list.push(models[i]);
    byOwner.set(owner, list);
  });
  return byOwner;
}
