/**
 * Relationship columns in the schema: create, update (onDelete, rename) and delete. Each is one
 * batch: the `relationships` row, the link table, the `columns` rows of the visible sides, and a
 * touch of BOTH tables (their cached definitions carry the relationship, see table-cache.ts).
 */
import { ApiError } from '../../lib/errors';
import { nowDate } from '../../lib/time';
import { KEY_RULES, MAX_USER_COLUMNS } from '../column-rules';
import { flavoredError, type Flavor } from '../flavor';
import { isSeqClash, loadTable, nextSeq, touchTable } from '../schema-store';
import type { TableDef } from '../types';
import { visibleRelation } from './defs';
import { createLinkTableSql, dropLinkTableSql } from './link-sql';
import type { OnDelete, RelationDef, RelationType, Side } from './types';

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,35}$/;

export interface RelationshipInput {
  relatedTableId: string;
  type: RelationType;
  twoWay: boolean;
  key?: string | null;
  twoWayKey?: string | null;
  onDelete: OnDelete;
}

const lower = (s: string) => s.toLowerCase();

/** Every key a table's columns take, relationship columns included (compared case-insensitively, as SQLite does). */
function takenKeys(table: TableDef): Set<string> {
  return new Set([...table.columns.map((c) => lower(c.key)), ...table.relationships.filter((r) => r.visible).map((r) => lower(r.key))]);
}

function columnCount(table: TableDef): number {
  return table.columns.length + table.relationships.filter((r) => r.visible).length;
}

function checkKey(key: string, param: string): void {
  if (!KEY.test(key)) throw new ApiError('general_argument_invalid', `Invalid \`${param}\` param: ${KEY_RULES}`);
}

const INSERT_RELATION_COLUMN_SQL =
  'INSERT INTO columns (table_seq, "key", type, size, required, "array", encrypt, options, created_at, updated_at) VALUES (?, ?, \'relationship\', 0, 0, 0, 0, ?, ?, ?)';

function columnRow(db: D1Database, tableSeq: number, key: string, relation: number, side: Side, now: string): D1PreparedStatement {
  return db.prepare(INSERT_RELATION_COLUMN_SQL).bind(tableSeq, key, JSON.stringify({ relation, side }), now, now);
}

/** POST …/columns/relationship: the parent side as created (its twin, when two-way, is on the related table). */
export async function createRelationship(
  db: D1Database, flavor: Flavor, databaseId: string, tableId: string, input: RelationshipInput,
): Promise<{ parent: RelationDef; related: TableDef }> {
  const table = await loadTable(db, databaseId, tableId, flavor);
  const related = input.relatedTableId === tableId ? table : await loadTable(db, databaseId, input.relatedTableId, flavor);
  const key = input.key ?? related.id;
  const twoWayKey = input.twoWayKey ?? table.id;
  checkKey(key, 'key');
  checkKey(twoWayKey, 'twoWayKey');
  if (takenKeys(table).has(lower(key))) throw flavoredError(flavor, 'columnExists', undefined, key);
  if (columnCount(table) >= MAX_USER_COLUMNS) throw flavoredError(flavor, 'columnLimit', undefined, tableId);
  if (input.twoWay) {
    const selfClash = related.seq === table.seq && lower(key) === lower(twoWayKey);
    if (selfClash || takenKeys(related).has(lower(twoWayKey))) throw flavoredError(flavor, 'columnExists', undefined, twoWayKey);
    if (columnCount(related) >= MAX_USER_COLUMNS) throw flavoredError(flavor, 'columnLimit', undefined, related.id);
  }
  for (let attempt = 0; ; attempt++) {
    const seq = await nextSeq(db, 'relationships');
    const now = nowDate();
    const statements = [
      db
        .prepare('INSERT INTO relationships (seq, database_id, parent_table_seq, parent_key, child_table_seq, child_key, type, two_way, on_delete, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .bind(seq, databaseId, table.seq, key, related.seq, twoWayKey, input.type, input.twoWay ? 1 : 0, input.onDelete, now, now),
      ...createLinkTableSql(seq, input.type).map((s) => db.prepare(s)),
      columnRow(db, table.seq, key, seq, 'parent', now),
      ...(input.twoWay ? [columnRow(db, related.seq, twoWayKey, seq, 'child', now)] : []),
      touchTable(db, table.seq, now),
      ...(related.seq !== table.seq ? [touchTable(db, related.seq, now)] : []),
    ];
    try {
      await db.batch(statements);
    } catch (err) {
      if (/UNIQUE constraint failed: (columns|relationships)\.(table_seq|parent_table_seq)/i.test(String(err))) {
        throw flavoredError(flavor, 'columnExists', undefined, key);
      }
      if (attempt < 3 && isSeqClash(err)) continue;
      throw err;
    }
    const parent: RelationDef = {
      seq, key, side: 'parent', type: input.type, twoWay: input.twoWay, twoWayKey, onDelete: input.onDelete,
      relatedTableSeq: related.seq, relatedTableId: related.id, visible: true, createdAt: now, updatedAt: now,
    };
    return { parent, related };
  }
}

/** The visible relationship column `key`, or the flavor's errors (a scalar column is the wrong type). */
export function findRelation(flavor: Flavor, table: TableDef, key: string): RelationDef {
  const rel = visibleRelation(table.relationships, key);
  if (rel) return rel;
  if (table.columns.some((c) => c.key === key)) throw flavoredError(flavor, 'columnTypeInvalid', undefined, key);
  throw flavoredError(flavor, 'columnNotFound', undefined, key);
}

/** PATCH …/columns/{key}/relationship: `onDelete` for both sides, and/or a new key for this side. */
export async function updateRelationship(
  db: D1Database, flavor: Flavor, databaseId: string, tableId: string, key: string, update: { onDelete?: OnDelete | null; newKey?: string | null },
): Promise<RelationDef> {
  const table = await loadTable(db, databaseId, tableId, flavor);
  const rel = findRelation(flavor, table, key);
  const newKey = update.newKey && update.newKey !== key ? update.newKey : null;
  if (newKey) {
    checkKey(newKey, 'newKey');
    const others = takenKeys(table);
    others.delete(lower(key));
    if (others.has(lower(newKey))) throw flavoredError(flavor, 'columnExists', undefined, newKey);
  }
  const onDelete = update.onDelete ?? rel.onDelete;
  const now = nowDate();
  const keyColumn = rel.side === 'parent' ? 'parent_key' : 'child_key';
  const statements = [
    db.prepare(`UPDATE relationships SET on_delete = ?, ${keyColumn} = ?, updated_at = ? WHERE seq = ?`).bind(onDelete, newKey ?? key, now, rel.seq),
    db.prepare('UPDATE columns SET "key" = ?, updated_at = ? WHERE table_seq = ? AND "key" = ?').bind(newKey ?? key, now, table.seq, key),
    touchTable(db, table.seq, now),
    ...(rel.relatedTableSeq !== table.seq ? [touchTable(db, rel.relatedTableSeq, now)] : []),
  ];
  await db.batch(statements);
  return { ...rel, key: newKey ?? key, onDelete, updatedAt: now };
}

/** DELETE …/columns/{key} of a relationship column: both sides, the links and the link table go together. */
export async function deleteRelationship(db: D1Database, table: TableDef, rel: RelationDef): Promise<void> {
  const now = nowDate();
  await db.batch([
    db.prepare(dropLinkTableSql(rel.seq)),
    db.prepare(`DELETE FROM columns WHERE type = 'relationship' AND json_extract(options, '$.relation') = ?`).bind(rel.seq),
    db.prepare('DELETE FROM relationships WHERE seq = ?').bind(rel.seq),
    touchTable(db, table.seq, now),
    ...(rel.relatedTableSeq !== table.seq ? [touchTable(db, rel.relatedTableSeq, now)] : []),
  ]);
}
