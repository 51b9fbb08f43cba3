/**
 * Relationship columns as the rest of the Databases domain sees them. A relationship has a parent
 * side (the table it was created on, column `key`) and a child side (the related table, column
 * `twoWayKey`, visible only when two-way). Its links are rows `(p, c)` — parent row id, child row
 * id — of the link table `r_<seq>`, whose unique indexes hold the cardinality (link-sql.ts).
 */
export const RELATION_TYPES = ['oneToOne', 'oneToMany', 'manyToOne', 'manyToMany'] as const;
export type RelationType = (typeof RELATION_TYPES)[number];

export const ON_DELETE = ['restrict', 'cascade', 'setNull'] as const;
export type OnDelete = (typeof ON_DELETE)[number];

export type Side = 'parent' | 'child';

/** One side of a relationship, seen from the table that holds it. */
export interface RelationDef {
  /** `relationships.seq`; the link table is `r_<seq>`. */
  seq: number;
  /** This side's column key. */
  key: string;
  side: Side;
  /** As declared on the parent; both sides report the same type, as Appwrite does. */
  type: RelationType;
  twoWay: boolean;
  /** The other side's key. */
  twoWayKey: string;
  onDelete: OnDelete;
  relatedTableSeq: number;
  relatedTableId: string;
  /** False for the child side of a one-way relationship: no column, but its rules still apply. */
  visible: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Does this side hold many related rows (an array) rather than one (an object or null)? */
export function isMany(rel: Pick<RelationDef, 'type' | 'side'>): boolean {
  return rel.side === 'parent' ? rel.type === 'oneToMany' || rel.type === 'manyToMany' : rel.type === 'manyToOne' || rel.type === 'manyToMany';
}

/** Is the other side single-valued? Then linking a row there replaces its previous link. */
export function otherIsSingle(rel: Pick<RelationDef, 'type' | 'side'>): boolean {
  return !isMany({ type: rel.type, side: rel.side === 'parent' ? 'child' : 'parent' });
}

/** The link-table column holding this side's row id, and the one holding the related row's. */
export function linkColumns(side: Side): { own: 'p' | 'c'; other: 'p' | 'c' } {
  return side === 'parent' ? { own: 'p', other: 'c' } : { own: 'c', other: 'p' };
}

export const linkTableName = (relationSeq: number) => `r_${relationSeq}`;
