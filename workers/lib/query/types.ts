/**
 * The shapes shared by the query parser, the SQL compiler and the test oracle. A `QueryTarget`
 * describes one queryable SQL table (a user table, or a system table such as `users`) in terms
 * of the attribute names clients use; only its `table`/`column` strings ever reach SQL text.
 */

/** How values of a field are compared: text (binary), integer/real (numeric), boolean (0/1), datetime (Appwrite string). */
export type FieldKind = 'text' | 'integer' | 'real' | 'boolean' | 'datetime';

export interface QueryField {
  /** Bare SQL column name in `QueryTarget.table` (trusted; quoted by the compiler). */
  column: string;
  kind: FieldKind;
  /** Stored as JSON array text; only containment and null tests apply. */
  array: boolean;
  /** Never NULL (system columns): lets a cursor use an index-friendly row-value comparison. */
  notNull?: boolean;
  /**
   * FTS5 table whose rowid is the row's `QueryTarget.seqColumn`, and the FTS column holding this
   * field. Present only when a fulltext index covers the field; `search` needs it.
   */
  fulltext?: { table: string; column: string };
  /**
   * A relationship column: no value in the row itself. Its values are the `other` column of the
   * link table `table` on the links whose `own` column holds the row's id (`QueryTarget.idColumn`);
   * only id comparisons and null tests apply (`equal`, `notEqual`, `contains`, `isNull`, `isNotNull`).
   */
  link?: { table: string; own: string; other: string };
}

export interface QueryTarget {
  /** SQL table name (trusted). */
  table: string;
  /** Attribute as clients name it (`title`, `$id`, `$createdAt`, …) → its SQL column. */
  fields: Record<string, QueryField>;
  /** Column holding the public id that `cursorAfter`/`cursorBefore` name (`_uid`). */
  idColumn: string;
  /** Unique integer column: the final tiebreaker of every order and the FTS rowid (`_seq`). */
  seqColumn: string;
  /** Names `select` accepts besides field names and `*` (`$permissions`, `$tableId`, …). */
  selectable?: readonly string[];
  /**
   * The table's B-tree indexes (SQL columns with their directions). SQLite ends every index entry
   * with the rowid (`seqColumn`) ascending, so a forward scan yields ties in `seqColumn` ascending
   * and a backward scan descending: the compiler gives the `$sequence` tiebreaker the direction
   * of the scan that serves the order, so an indexed order needs no sort in either direction.
   */
  indexes?: readonly IndexShape[];
  /**
   * Relationship columns whose related rows' columns may be filtered on (`author.name`), by the
   * column's key: its link table and the related table as a target of its own (whose `relations`
   * serve deeper paths). Absent for a relationship the caller did not load: its dotted paths are
   * then unknown attributes.
   */
  relations?: Record<string, RelatedTarget>;
}

export interface RelatedTarget {
  /** As `QueryField.link`: the link table, this side's column and the related side's. */
  link: { table: string; own: string; other: string };
  target: QueryTarget;
}

/** One relationship crossed by a dotted attribute (`author` in `author.name`). */
export interface RelatedHop extends RelatedTarget {
  key: string;
}

export interface IndexShape {
  columns: readonly { column: string; direction: 'asc' | 'desc' }[];
}

/** A value ready for SQL: booleans are 0/1, datetimes canonical Appwrite strings, int64 beyond 2^53 a bigint. */
export type SqlValue = string | number | bigint;

export type LeafOp =
  | 'equal' | 'notEqual'
  | 'lessThan' | 'lessThanEqual' | 'greaterThan' | 'greaterThanEqual'
  | 'between' | 'notBetween'
  | 'isNull' | 'isNotNull'
  | 'startsWith' | 'endsWith' | 'notStartsWith' | 'notEndsWith'
  /** Substring on text fields, element membership (any of the values) on arrays. `containsAny` parses to this. */
  | 'contains' | 'notContains'
  /** Arrays only: every value is an element. */
  | 'containsAll'
  | 'search' | 'notSearch';

export interface LeafFilter {
  type: 'leaf';
  op: LeafOp;
  attribute: string;
  field: QueryField;
  /** Validated and normalised; `search`/`notSearch` keep the raw search string. */
  values: SqlValue[];
  /**
   * For a dotted attribute, the relationships crossed to reach `field` (a column of the last
   * hop's table): the filter holds for a row when a linked related row the caller may read holds it.
   */
  via?: RelatedHop[];
}

export interface LogicFilter {
  type: 'logic';
  op: 'and' | 'or';
  children: Filter[];
}

export type Filter = LeafFilter | LogicFilter;

export interface Order {
  /** `null` for `orderRandom`. */
  attribute: string | null;
  field: QueryField | null;
  direction: 'asc' | 'desc' | 'random';
}

export interface Cursor {
  direction: 'after' | 'before';
  id: string;
}

/** The validated meaning of a list of query strings (first limit/offset/cursor wins, as in Appwrite). */
export interface ParsedQueries {
  filters: Filter[];
  /** As requested; the compiler and the oracle each add the `$sequence` tiebreaker. */
  orders: Order[];
  limit: number;
  offset: number;
  cursor: Cursor | null;
  /** Attribute names from `select` queries (merged, in order), or null when there is none. */
  select: string[] | null;
}

export interface SqlFragment {
  /** '' when there is no condition. */
  sql: string;
  params: unknown[];
}

/** One order key as run, including the tiebreaker; `column` is the bare SQL column. */
export interface ResolvedOrder {
  attribute: string;
  column: string;
  direction: 'asc' | 'desc';
  notNull: boolean;
}

export interface CompiledQuery {
  /** The filters alone — what a `total` count uses. */
  filter: SqlFragment;
  /** The keyset condition of a cursor ('' without one). */
  cursorFilter: SqlFragment;
  /** `filter AND cursorFilter`: append the permission condition and use as the WHERE clause. */
  where: SqlFragment;
  /** ORDER BY list (without the keywords) in fetch order: reversed for `cursorBefore`. */
  orderBy: string;
  /** True for `cursorBefore`: reverse the fetched rows to restore the requested order. */
  reverse: boolean;
  limit: number;
  offset: number;
  cursor: Cursor | null;
  select: string[] | null;
  /** Requested order plus tiebreaker (random excluded); a cursor row must be non-null in these. */
  orders: ResolvedOrder[];
  random: boolean;
}
