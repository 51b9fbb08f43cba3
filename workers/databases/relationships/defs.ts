/**
 * Relationship metadata rows → the `RelationDef`s a table holds. The schema store loads the rows
 * with every table definition (same batch), so a cached definition carries its relationships and
 * the table's version token covers them (every relationship change touches both tables).
 */
import { isMany, type OnDelete, type RelationDef, type RelationType } from './types';

export interface RelationshipRow {
  seq: number;
  database_id: string;
  parent_table_seq: number;
  parent_key: string;
  child_table_seq: number;
  child_key: string;
  type: string;
  two_way: number;
  on_delete: string;
  created_at: string;
  updated_at: string;
  parent_table_id: string;
  child_table_id: string;
}

/** The SELECT every loader runs, narrowed by its own WHERE (on `r`, `pt`, `ct`). */
export const RELATIONSHIP_ROWS_SQL =
  'SELECT r.*, pt.id AS parent_table_id, ct.id AS child_table_id FROM relationships r JOIN tables pt ON pt.seq = r.parent_table_seq JOIN tables ct ON ct.seq = r.child_table_seq';

/** The sides of `rows` that table `tableSeq` holds: the parent side, the child side, or both (a self-relationship). */
export function relationsOf(tableSeq: number, rows: readonly RelationshipRow[]): RelationDef[] {
  const out: RelationDef[] = [];
  for (const r of rows) {
    const common = {
      seq: r.seq,
      type: r.type as RelationType,
      twoWay: r.two_way === 1,
      onDelete: r.on_delete as OnDelete,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    if (r.parent_table_seq === tableSeq) {
      out.push({ ...common, key: r.parent_key, side: 'parent', twoWayKey: r.child_key, relatedTableSeq: r.child_table_seq, relatedTableId: r.child_table_id, visible: true });
    }
    if (r.child_table_seq === tableSeq) {
      out.push({ ...common, key: r.child_key, side: 'child', twoWayKey: r.parent_key, relatedTableSeq: r.parent_table_seq, relatedTableId: r.parent_table_id, visible: common.twoWay });
    }
  }
  return out;
}

/** The visible relationship column `key` of a table, if any. */
export function visibleRelation(relations: readonly RelationDef[], key: string): RelationDef | undefined {
  return relations.find((r) => r.visible && r.key === key);
}

export { isMany };
