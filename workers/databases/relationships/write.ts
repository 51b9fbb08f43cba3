/**
 * Relationship values in row writes, as Appwrite takes them: a related row id, a nested row (an
 * object: created, or updated when its `$id` names an existing row), null to unlink; an array of
 * those on a side that holds many, which replaces the whole set. Everything becomes statements
 * for the caller's own batch — nested rows, then links — so the row, its nested rows and its
 * links are written together or not at all.
 *
 * Linking needs the related row to be readable by the caller; a nested create needs `create` on
 * the related table, a nested update the related row's `update`, each under its own table's rules.
 */
import { ApiError } from '../../lib/errors';
import { resolveId, uniqueId } from '../../lib/ids';
import type { Principal } from '../../lib/principal';
import { nowDate } from '../../lib/time';
import { assertCanCreate, canAccessRow, resolveRowPermissions } from '../row-permissions';
import { checkRowData, type RowApi } from '../row-values';
import { decodeRow, insertStatements, q, rowSelectSql, updateStatements, type StoredRow } from '../rows-store';
import { loadFresh } from '../table-cache';
import type { TableDef } from '../types';
import type { RelatedChanges } from './changes';
import { MAX_DEPTH } from './read';
import { isMany, linkColumns, linkTableName, type RelationDef } from './types';

export interface WriteContext {
  db: D1Database;
  principal: Principal;
  api: RowApi;
  /** Where the related rows this write creates or updates are noted, for their events after the commit. */
  changes?: RelatedChanges;
  /**
   * Rows not stored yet that the same batch creates first (a transaction's own creates,
   * transactions/commit.ts): they may be linked by id, not updated as nested rows.
   */
  staged?: (table: TableDef, id: string) => StoredRow | null;
}

/** Keys of nested rows that are not data. */
const NESTED_META = new Set(['$id', '$permissions', '$sequence', '$createdAt', '$updatedAt', '$tableId', '$collectionId', '$databaseId']);

function invalid(message: string): never {
  throw new ApiError('relationship_value_invalid', message);
}

/** `data` without its relationship columns, and those apart (the row store validates the rest). */
export function splitRelationData(table: TableDef, data: Record<string, unknown>): { data: Record<string, unknown>; relations: [RelationDef, unknown][] } {
  if (!table.relationships.some((r) => r.visible)) return { data, relations: [] };
  const own: Record<string, unknown> = {};
  const relations: [RelationDef, unknown][] = [];
  for (const [key, value] of Object.entries(data)) {
    const rel = table.relationships.find((r) => r.visible && r.key === key);
    if (rel) relations.push([rel, value]);
    else own[key] = value;
  }
  return { data: own, relations };
}

type Item = string | Record<string, unknown>;

/** The value as a list of ids and nested rows; anything else is Appwrite's relationship_value_invalid. */
function itemsOf(rel: RelationDef, value: unknown): Item[] {
  if (value === null || value === undefined) return [];
  const many = isMany(rel);
  if (many && !Array.isArray(value)) invalid(`Relationship "${rel.key}" holds many rows: send an array of row ids or rows.`);
  if (!many && Array.isArray(value)) invalid(`Relationship "${rel.key}" holds one row: send a row id, a row or null.`);
  const list = many ? (value as unknown[]) : [value];
  if (list.length > 100) invalid(`Relationship "${rel.key}" can be given at most 100 rows in one write.`);
  return list.map((item) => {
    if (typeof item === 'string') return item;
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) return item as Record<string, unknown>;
    invalid(`Relationship "${rel.key}" takes row ids or rows, not ${item === null ? 'null' : typeof item} values.`);
  });
}

async function rowsById(db: D1Database, table: TableDef, ids: string[]): Promise<Map<string, StoredRow>> {
  if (ids.length === 0) return new Map();
  const { results } = await db
    .prepare(`SELECT ${rowSelectSql(table)} FROM ${q(table.sqlName)} WHERE _uid IN (SELECT value FROM json_each(?))`)
    .bind(JSON.stringify(ids))
    .all<Record<string, unknown>>();
  return new Map(results.map((raw) => [String(raw._uid), decodeRow(table, raw)]));
}

/**
 * Statements that give row `ownerId` of `table` the relationship values `relations`, to run after
 * the row's own insert or update in the same batch.
 */
export async function relationStatements(
  ctx: WriteContext, table: TableDef, ownerId: string, relations: [RelationDef, unknown][], depth = 1,
): Promise<D1PreparedStatement[]> {
  if (depth > MAX_DEPTH) invalid(`Related rows can be nested at most ${MAX_DEPTH} levels deep.`);
  const out: D1PreparedStatement[] = [];
  for (const [rel, value] of relations) out.push(...(await oneRelation(ctx, table, ownerId, rel, value, depth)));
  return out;
}

async function oneRelation(ctx: WriteContext, table: TableDef, ownerId: string, rel: RelationDef, value: unknown, depth: number): Promise<D1PreparedStatement[]> {
  const { db, principal, api } = ctx;
  const items = itemsOf(rel, value);
  const out: D1PreparedStatement[] = [];
  const linked: string[] = [];
  if (items.length > 0) {
    const state = await loadFresh(db, { databaseId: table.databaseId, tableId: rel.relatedTableId, flavor: api.flavor });
    const related = state.table;
    const usable = principal.kind === 'key' || (state.databaseEnabled && related.enabled);
    const ids = items.map((item) => (typeof item === 'string' ? item : typeof item.$id === 'string' ? resolveId(item.$id, '$id') : null));
    const existing = await rowsById(db, related, ids.filter((id): id is string => id !== null));
    const pending = new Set<string>();
    for (const id of ids) {
      const row = id !== null && !existing.has(id) ? ctx.staged?.(related, id) : null;
      if (!row) continue;
      existing.set(row.id, row);
      pending.add(row.id);
    }
    const readable = (row: StoredRow | undefined): row is StoredRow => !!row && usable && canAccessRow(principal, related, row.permissions, 'read');
    for (const [i, item] of items.entries()) {
      if (typeof item === 'string') {
        if (!readable(existing.get(item))) invalid(`Related row "${item}" of relationship "${rel.key}" was not found in "${related.id}".`);
        linked.push(item);
        continue;
      }
      if (!usable) invalid(`Related rows of relationship "${rel.key}" cannot be written: "${related.id}" was not found.`);
      const id = ids[i] ?? uniqueId();
      const { data, relations } = splitRelationData(related, Object.fromEntries(Object.entries(item).filter(([k]) => !NESTED_META.has(k))));
      const permissions = Array.isArray(item.$permissions) ? (item.$permissions as string[]) : null;
      const found = existing.get(id);
      if (pending.has(id)) invalid(`Related row "${id}" of relationship "${rel.key}" is created in this transaction: link it by id.`);
      if (found) {
        if (!readable(found)) invalid(`Related row "${id}" of relationship "${rel.key}" was not found in "${related.id}".`);
        const perms = resolveRowPermissions(principal, permissions, found.permissions);
        const checked = checkRowData(related, data, { api, mode: 'update', privileged: principal.kind === 'key' });
        const update = updateStatements(db, related, api, found, checked.values, perms, relations.length ? nowDate() : undefined);
        if (update && !canAccessRow(principal, related, found.permissions, 'update')) throw new ApiError('user_unauthorized');
        if (update) ctx.changes?.note(related, id, 'update');
        out.push(...(update ?? []));
      } else {
        assertCanCreate(principal, related);
        const perms = resolveRowPermissions(principal, permissions, null);
        const checked = checkRowData(related, data, { api, mode: 'create', privileged: principal.kind === 'key' });
        out.push(...insertStatements(db, related, api, id, checked.values, perms));
        ctx.changes?.note(related, id, 'create');
      }
      out.push(...(await relationStatements(ctx, related, id, relations, depth + 1)));
      linked.push(id);
    }
  }
  return [...out, ...linkStatements(db, rel, ownerId, [...new Set(linked)])];
}

/** Replace the links of `ownerId` through `rel` with links to `ids` (a single-valued other side gives its row up). */
function linkStatements(db: D1Database, rel: RelationDef, ownerId: string, ids: string[]): D1PreparedStatement[] {
  const link = q(linkTableName(rel.seq));
  const { own, other } = linkColumns(rel.side);
  const list = JSON.stringify(ids);
  return [
    db.prepare(`DELETE FROM ${link} WHERE ${own} = ?1 AND ${other} NOT IN (SELECT value FROM json_each(?2))`).bind(ownerId, list),
    db.prepare(`INSERT OR REPLACE INTO ${link} (${own}, ${other}) SELECT ?1, value FROM json_each(?2)`).bind(ownerId, list),
  ];
}
