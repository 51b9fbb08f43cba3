/**
 * What deleting rows brings along: each relationship's `onDelete`, applied as utopia-php/database
 * applies it, in the delete's own batch.
 *
 * - restrict: refused (`row_delete_restricted` / `document_delete_restricted`, 403) while the row
 *   has related rows on a side that depends on it — the parent of a oneToOne, oneToMany or
 *   manyToMany, the child of a oneToOne or manyToOne (the author of posts). The "many" end of a
 *   relationship (a post of an author) can always go; its links go with it.
 * - cascade: the related rows that depend on the row are deleted too (a oneToOne's partner, a
 *   oneToMany parent's children, a manyToOne child's parents), and theirs in turn; a manyToMany
 *   only loses its links.
 * - setNull: the links go; the related rows stay and read null (or without this row).
 *
 * Like Appwrite, cascades apply whatever the caller may do on the related rows. The rules are
 * decided on links read just before; the batch re-checks every restrict rule it relied on, so a
 * link added in between fails the delete instead of being left behind.
 */
import { ApiError } from '../../lib/errors';
import type { RowApi } from '../row-values';
import { q } from '../rows-store';
import { guardStatement, isGuardFailure } from '../operators/guard';
import { loadFresh } from '../table-cache';
import type { TableDef } from '../types';
import { rowsWithIds, type RelatedChanges } from './changes';
import { linkColumns, linkTableName, type RelationDef } from './types';

/** More rows than this in one cascade is refused rather than run as one oversized batch. */
export const MAX_CASCADE_ROWS = 1000;

/** Does `rel` forbid deleting its row while linked (under restrict)? */
export function restricts(rel: Pick<RelationDef, 'type' | 'side'>): boolean {
  return rel.side === 'parent' ? rel.type !== 'manyToOne' : rel.type === 'oneToOne' || rel.type === 'manyToOne';
}

/** Does `rel` delete the related rows with its row (under cascade)? */
export function cascades(rel: Pick<RelationDef, 'type' | 'side'>): boolean {
  return rel.type === 'oneToOne' || (rel.type === 'oneToMany' && rel.side === 'parent') || (rel.type === 'manyToOne' && rel.side === 'child');
}

const IN_LIST = 'IN (SELECT value FROM json_each(?))';

/**
 * The statements that apply every relationship rule of deleting `ids` from `table` (the rows' own
 * deletes excepted). With `changes`, the rows a cascade deletes and the rows a setNull unlinks (on
 * a side that shows the link) are noted, as read before the batch, for their events.
 */
export async function deleteRelationsPlan(db: D1Database, api: RowApi, table: TableDef, ids: string[], changes?: RelatedChanges): Promise<D1PreparedStatement[]> {
  if (table.relationships.length === 0) return [];
  const restricted = api.flavor === 'tablesdb' ? 'row_delete_restricted' : 'document_delete_restricted';
  const doomed = new Map<number, { table: TableDef; ids: Set<string> }>([[table.seq, { table, ids: new Set(ids) }]]);
  const guards: D1PreparedStatement[] = [];
  const unlinked = new Map<number, { table: TableDef; ids: Set<string> }>();
  let queue: { table: TableDef; ids: string[] }[] = [{ table, ids }];
  let total = ids.length;
  while (queue.length) {
    const next: typeof queue = [];
    for (const step of queue) {
      const links = await linksOf(db, step.table, step.ids);
      for (const [i, rel] of step.table.relationships.entries()) {
        const others = links[i];
        if (rel.onDelete === 'restrict' && restricts(rel)) {
          if (others.length) throw new ApiError(restricted);
          guards.push(restrictGuard(db, rel, step.ids));
        }
        if (changes && rel.onDelete === 'setNull' && others.length && (rel.side === 'child' || rel.twoWay)) {
          const related = (await loadFresh(db, { databaseId: table.databaseId, tableId: rel.relatedTableId, flavor: api.flavor })).table;
          const entry = unlinked.get(related.seq) ?? { table: related, ids: new Set<string>() };
          others.forEach((id) => entry.ids.add(id));
          unlinked.set(related.seq, entry);
        }
        if (rel.onDelete !== 'cascade' || !cascades(rel) || others.length === 0) continue;
        const related = (await loadFresh(db, { databaseId: table.databaseId, tableId: rel.relatedTableId, flavor: api.flavor })).table;
        const entry = doomed.get(related.seq) ?? { table: related, ids: new Set<string>() };
        doomed.set(related.seq, entry);
        const fresh = others.filter((id) => !entry.ids.has(id));
        fresh.forEach((id) => entry.ids.add(id));
        total += fresh.length;
        if (total > MAX_CASCADE_ROWS) throw new ApiError('general_argument_invalid', `Deleting this row would cascade to more than ${MAX_CASCADE_ROWS} rows; delete its related rows first.`);
        if (fresh.length) next.push({ table: related, ids: fresh });
      }
    }
    queue = next;
  }
  if (changes) await noteChanges(db, table, ids, doomed, unlinked, changes);
  const statements = [...guards];
  for (const { table: t, ids: set } of doomed.values()) {
    const list = JSON.stringify([...set]);
    for (const rel of t.relationships) {
      statements.push(db.prepare(`DELETE FROM ${q(linkTableName(rel.seq))} WHERE ${linkColumns(rel.side).own} ${IN_LIST}`).bind(list));
    }
    // Cascaded rows: their permission rows, then the rows (the first table's own rows are the caller's to delete).
    if (t.seq === table.seq && set.size === ids.length) continue;
    const only = t.seq === table.seq ? JSON.stringify([...set].filter((id) => !ids.includes(id))) : list;
    statements.push(
      db.prepare(`DELETE FROM ${q(t.permsSqlName)} WHERE _seq IN (SELECT _seq FROM ${q(t.sqlName)} WHERE _uid ${IN_LIST})`).bind(only),
      db.prepare(`DELETE FROM ${q(t.sqlName)} WHERE _uid ${IN_LIST}`).bind(only),
    );
  }
  return statements;
}

type RowsByTable = Map<number, { table: TableDef; ids: Set<string> }>;

/** Reads the rows a cascade deletes and the rows a setNull unlinks (not deleted themselves), before the batch. */
async function noteChanges(db: D1Database, table: TableDef, ownIds: string[], doomed: RowsByTable, unlinked: RowsByTable, changes: RelatedChanges) {
  const own = new Set(ownIds);
  const reads: Promise<void>[] = [];
  for (const { table: t, ids } of doomed.values()) {
    const cascaded = [...ids].filter((id) => t.seq !== table.seq || !own.has(id));
    reads.push(rowsWithIds(db, t, cascaded).then((rows) => changes.noteRows(t, rows, 'delete')));
  }
  for (const { table: t, ids } of unlinked.values()) {
    const gone = doomed.get(t.seq)?.ids;
    const kept = [...ids].filter((id) => !gone?.has(id));
    reads.push(rowsWithIds(db, t, kept).then((rows) => changes.noteRows(t, rows, 'update')));
  }
  await Promise.all(reads);
}

/** For each relationship of `table` (in order), the ids linked to any of `ids`. One round trip. */
async function linksOf(db: D1Database, table: TableDef, ids: string[]): Promise<string[][]> {
  const list = JSON.stringify(ids);
  const results = await db.batch<{ other: string }>(
    table.relationships.map((rel) => {
      const { own, other } = linkColumns(rel.side);
      return db.prepare(`SELECT DISTINCT ${other} AS other FROM ${q(linkTableName(rel.seq))} WHERE ${own} ${IN_LIST}`).bind(list);
    }),
  );
  return results.map((r) => r.results.map((row) => String(row.other)));
}

/** Aborts the batch (operators/guard.ts) if a link appeared since it was checked: a restrict rule cannot be slipped past. */
function restrictGuard(db: D1Database, rel: RelationDef, ids: string[]): D1PreparedStatement {
  const { own } = linkColumns(rel.side);
  return guardStatement(db, `NOT EXISTS (SELECT 1 FROM ${q(linkTableName(rel.seq))} WHERE ${own} ${IN_LIST})`, [JSON.stringify(ids)]);
}

/** True when a failed delete batch was stopped by a `restrictGuard`. */
export const isRestrictGuard = isGuardFailure;
