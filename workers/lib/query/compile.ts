/**
 * `ParsedQueries` → SQL fragments for SQLite/D1. Only `QueryTarget` names (trusted) are written
 * into SQL text; every client value is a bound parameter.
 *
 * D1 allows 100 bound parameters per statement. Value lists always travel as one JSON parameter
 * read with `json_each`, so a leaf costs at most two parameters; when the filters still need more
 * than the budget, the whole filter is re-emitted "packed": all values in ONE JSON array read with
 * `_q->>i` inside a single `EXISTS (SELECT 1 FROM (SELECT ? AS _q) WHERE …)`. Either way a
 * statement stays within the limit for any input the parser accepts.
 */
import { ApiError } from '../errors';
import { containsAnySql, textMatchSql } from './like';
import type { CompiledQuery, Filter, LeafFilter, Order, ParsedQueries, QueryField, QueryTarget, ResolvedOrder, SqlFragment, SqlValue } from './types';

export interface CompileOptions {
  /** How the caller's FROM names the table (default: the table name itself). */
  alias?: string;
  /** Parameters the WHERE may use; the rest of the statement's 100 are the caller's. Default 80. */
  paramBudget?: number;
  /** D1 rejects statements over 100,000 bytes; leave room for the caller's SQL. Default 90,000. */
  maxSqlLength?: number;
}

export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export { escapeLike } from './like';

/**
 * The FTS5 MATCH expression for an Appwrite search string, or null when it has no words.
 * Words are runs of letters/digits, each written as a quoted FTS5 string so no operator,
 * column filter or quote in the input has meaning. Appwrite semantics: any word matches,
 * the last one as a prefix; a value wrapped in double quotes is one exact phrase.
 */
export function ftsMatchExpression(search: string): string | null {
  const words = search.match(/[\p{L}\p{N}]+/gu);
  if (!words) return null;
  if (search.length >= 2 && search.startsWith('"') && search.endsWith('"')) return `"${words.join(' ')}"`;
  return words.map((w, i) => (i === words.length - 1 ? `"${w}"*` : `"${w}"`)).join(' OR ');
}

/** JSON text for a parameter; bigints stay exact as bare number literals. */
function jsonText(value: unknown): string {
  const marked = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `\u0000big:${v}` : v));
  return marked.replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

interface Emitter {
  /** SQL expression for one value. */
  value(v: SqlValue): string;
  /** A `json_each(…)` call listing the values. */
  list(vs: SqlValue[]): string;
}

class DirectEmitter implements Emitter {
  readonly params: unknown[] = [];
  value(v: SqlValue): string {
    // D1 cannot bind bigint; decimal text cast back is exact.
    if (typeof v === 'bigint') {
      this.params.push(v.toString());
      return 'CAST(? AS INTEGER)';
    }
    this.params.push(v);
    return '?';
  }
  list(vs: SqlValue[]): string {
    this.params.push(jsonText(vs));
    return 'json_each(?)';
  }
}

class PackedEmitter implements Emitter {
  readonly pack: unknown[] = [];
  value(v: SqlValue): string {
    return `_q->>${this.pack.push(v) - 1}`;
  }
  list(vs: SqlValue[]): string {
    return `json_each(_q, '$[${this.pack.push(vs) - 1}]')`;
  }
}

/** Joins as a balanced tree so long and/or lists do not build a deep SQL expression. */
function joinBalanced(parts: string[], op: 'AND' | 'OR'): string {
  if (parts.length === 1) return parts[0];
  if (parts.length <= 8) return `(${parts.join(` ${op} `)})`;
  const mid = Math.ceil(parts.length / 2);
  return `(${joinBalanced(parts.slice(0, mid), op)} ${op} ${joinBalanced(parts.slice(mid), op)})`;
}

class FilterCompiler {
  constructor(
    private readonly target: QueryTarget,
    private readonly alias: string,
    private readonly e: Emitter,
  ) {}

  col(field: QueryField | string): string {
    return `${quoteIdent(this.alias)}.${quoteIdent(typeof field === 'string' ? field : field.column)}`;
  }

  filters(filters: Filter[]): string {
    return joinBalanced(filters.map((f) => this.filter(f)), 'AND');
  }

  filter(f: Filter): string {
    if (f.type === 'logic') return joinBalanced(f.children.map((c) => this.filter(c)), f.op === 'and' ? 'AND' : 'OR');
    return this.leaf(f);
  }

  private leaf(f: LeafFilter): string {
    if (f.field.link) return this.linkLeaf(f);
    const c = this.col(f.field);
    const e = this.e;
    const [a, b] = f.values;
    switch (f.op) {
      case 'equal':
        return f.values.length === 1 ? `${c} = ${e.value(a)}` : `${c} IN (SELECT value FROM ${e.list(f.values)})`;
      case 'notEqual':
        return `${c} != ${e.value(a)}`;
      case 'lessThan':
        return `${c} < ${e.value(a)}`;
      case 'lessThanEqual':
        return `${c} <= ${e.value(a)}`;
      case 'greaterThan':
        return `${c} > ${e.value(a)}`;
      case 'greaterThanEqual':
        return `${c} >= ${e.value(a)}`;
      case 'between':
        return `${c} BETWEEN ${e.value(a)} AND ${e.value(b)}`;
      case 'notBetween':
        return `${c} NOT BETWEEN ${e.value(a)} AND ${e.value(b)}`;
      case 'isNull':
        return `${c} IS NULL`;
      case 'isNotNull':
        return `${c} IS NOT NULL`;
      case 'startsWith':
      case 'notStartsWith':
        return textMatchSql(c, String(a), 'prefix', f.op === 'notStartsWith', (v) => e.value(v));
      case 'endsWith':
      case 'notEndsWith':
        return textMatchSql(c, String(a), 'suffix', f.op === 'notEndsWith', (v) => e.value(v));
      case 'contains':
      case 'notContains':
        return f.field.array ? this.arrayContains(f, c) : this.textContains(f, c);
      case 'containsAll': {
        if (f.values.length === 1) return `EXISTS (SELECT 1 FROM json_each(${c}) AS _e WHERE _e.value = ${e.value(a)})`;
        const missing = `SELECT 1 FROM ${e.list(f.values)} AS _w WHERE NOT EXISTS (SELECT 1 FROM json_each(${c}) AS _e WHERE _e.value = _w.value)`;
        return `(${c} IS NOT NULL AND NOT EXISTS (${missing}))`;
      }
      case 'search':
      case 'notSearch':
        return this.search(f, c);
    }
  }

  /**
   * Relationship columns, through their link table: `equal`/`contains` any of the ids, `notEqual`
   * linked but not to that id (a row with no link matches neither, as NULL does for a scalar).
   */
  private linkLeaf(f: LeafFilter): string {
    const { table, own, other } = f.field.link!;
    const links = `SELECT 1 FROM ${quoteIdent(table)} AS _l WHERE _l.${quoteIdent(own)} = ${this.col(this.target.idColumn)}`;
    const to = () => (f.values.length === 1 ? `_l.${quoteIdent(other)} = ${this.e.value(f.values[0])}` : `_l.${quoteIdent(other)} IN (SELECT value FROM ${this.e.list(f.values)})`);
    switch (f.op) {
      case 'isNull':
        return `NOT EXISTS (${links})`;
      case 'isNotNull':
        return `EXISTS (${links})`;
      case 'notEqual':
        return `(EXISTS (${links}) AND NOT EXISTS (${links} AND ${to()}))`;
      default:
        return `EXISTS (${links} AND ${to()})`;
    }
  }

  /** Any value is a substring (ASCII case-insensitive, as SQLite's LIKE). */
  private textContains(f: LeafFilter, c: string): string {
    const values = f.values.map((v) => String(v));
    const not = f.op === 'notContains';
    if (values.length === 1) return textMatchSql(c, values[0], 'contains', not, (v) => this.e.value(v));
    const any = containsAnySql(c, values, (vs) => this.e.list(vs));
    return not ? `(${c} IS NOT NULL AND NOT ${any})` : any;
  }

  /** Any value is an element of the stored JSON array; NULL arrays match neither form. */
  private arrayContains(f: LeafFilter, c: string): string {
    const match = f.values.length === 1 ? `_e.value = ${this.e.value(f.values[0])}` : `_e.value IN (SELECT value FROM ${this.e.list(f.values)})`;
    const any = `EXISTS (SELECT 1 FROM json_each(${c}) AS _e WHERE ${match})`;
    return f.op === 'notContains' ? `(${c} IS NOT NULL AND NOT ${any})` : any;
  }

  private search(f: LeafFilter, c: string): string {
    const fts = f.field.fulltext!;
    const expression = ftsMatchExpression(String(f.values[0]));
    if (expression === null) return f.op === 'search' ? '0' : `${c} IS NOT NULL`;
    const hits = `${this.col(this.target.seqColumn)} IN (SELECT rowid FROM ${quoteIdent(fts.table)} WHERE ${quoteIdent(fts.column)} MATCH ${this.e.value(expression)})`;
    return f.op === 'search' ? hits : `(${c} IS NOT NULL AND NOT ${hits})`;
  }
}

/**
 * Orders as requested plus Appwrite's `$sequence` tiebreaker, unless an order is already unique.
 * The tiebreaker runs the way the index that can serve the order is scanned (`tiebreakOfIndex`),
 * so `orderDesc(priority)` over an ascending index on `priority` is a backward scan with no sort;
 * with no such index it follows a leading `$createdAt`/`$updatedAt`, else it is ascending.
 */
function withTiebreaker(parsed: ParsedQueries, target: QueryTarget) {
  const orders = [...parsed.orders];
  const unique = orders.some((o) => o.field && (o.field.column === target.seqColumn || o.field.column === target.idColumn));
  if (!unique) {
    const lead = orders[0];
    const leadIsTime = lead?.attribute === '$createdAt' || lead?.attribute === '$updatedAt';
    const seqAttribute = Object.keys(target.fields).find((k) => target.fields[k].column === target.seqColumn) ?? '$sequence';
    const byIndex = orders.some((o) => o.direction === 'random') ? null : tiebreakOfIndex(orders, pinnedColumns(parsed.filters), target);
    orders.push({
      attribute: seqAttribute,
      field: { column: target.seqColumn, kind: 'integer', array: false, notNull: true },
      direction: byIndex ?? (leadIsTime && lead.direction !== 'random' ? lead.direction : 'asc'),
    });
  }
  return orders;
}

/** Columns the filters hold to one value (`equal` on one value, `isNull`, ANDed at the top): an index scan may skip them. */
function pinnedColumns(filters: Filter[], into = new Set<string>()): Set<string> {
  for (const f of filters) {
    if (f.type === 'logic') {
      if (f.op === 'and') pinnedColumns(f.children, into);
    } else if (!f.field.array && !f.field.link && ((f.op === 'equal' && f.values.length === 1) || f.op === 'isNull')) {
      into.add(f.field.column);
    }
  }
  return into;
}

/**
 * The tiebreaker direction under which one of the target's indexes yields the whole order without
 * a sort, or null. An index serves `orders` when, skipping pinned columns, its next columns are the
 * order's columns, each in the order's direction (a forward scan) or each against it (a backward
 * scan), followed by `seqColumn` — its implicit ascending rowid, or an explicit one.
 */
function tiebreakOfIndex(orders: Order[], pinned: Set<string>, target: QueryTarget): 'asc' | 'desc' | null {
  const wanted = orders.filter((o) => !pinned.has(o.field!.column));
  if (wanted.length === 0) return null;
  for (const index of target.indexes ?? []) {
    const cols = [...index.columns, { column: target.seqColumn, direction: 'asc' as const }];
    let i = 0;
    let backward: boolean | null = null;
    const skipPinned = (stop: string) => {
      while (i < cols.length && cols[i].column !== stop && pinned.has(cols[i].column)) i++;
    };
    const serves = wanted.every((o) => {
      skipPinned(o.field!.column);
      if (i >= cols.length || cols[i].column !== o.field!.column) return false;
      const against = cols[i++].direction !== o.direction;
      if (backward === null) backward = against;
      return backward === against;
    });
    if (!serves) continue;
    skipPinned(target.seqColumn);
    if (i < cols.length && cols[i].column === target.seqColumn) return (cols[i].direction === 'asc') !== backward ? 'asc' : 'desc';
  }
  return null;
}

/**
 * Rows strictly after the cursor row in fetch order, comparing with the cursor row's own values
 * (read by id in a subquery, one parameter). NULL sorts first, as in SQLite's ORDER BY, and the
 * last key is unique, so the keyset is exact. When every key is non-null and runs one way (the
 * default `$sequence` order, `$createdAt` feeds) it is a row-value comparison an index can serve.
 */
function keysetSql(orders: ResolvedOrder[], target: QueryTarget, alias: string, reverse: boolean): string {
  const row = (col: string) => `${quoteIdent(alias)}.${quoteIdent(col)}`;
  const cur = (col: string) => `_cur.${quoteIdent(col)}`;
  const ascending = (o: ResolvedOrder) => (o.direction === 'asc') !== reverse;
  const byId = `FROM ${quoteIdent(target.table)} AS _cur WHERE _cur.${quoteIdent(target.idColumn)} = ?`;
  if (orders.every((o) => o.notNull && ascending(o) === ascending(orders[0]))) {
    const list = (f: (c: string) => string) => (orders.length === 1 ? f(orders[0].column) : `(${orders.map((o) => f(o.column)).join(', ')})`);
    return `${list(row)} ${ascending(orders[0]) ? '>' : '<'} (SELECT ${orders.map((o) => cur(o.column)).join(', ')} ${byId})`;
  }
  const terms = orders.map((o, i) => {
    const r = row(o.column);
    const k = cur(o.column);
    const beyond = ascending(o) ? `(${r} > ${k} OR (${r} IS NOT NULL AND ${k} IS NULL))` : `(${r} < ${k} OR (${r} IS NULL AND ${k} IS NOT NULL))`;
    const ties = orders.slice(0, i).map((p) => `${row(p.column)} IS ${cur(p.column)}`);
    return ties.length ? `(${[...ties, beyond].join(' AND ')})` : beyond;
  });
  return `EXISTS (SELECT 1 ${byId} AND ${joinBalanced(terms, 'OR')})`;
}

function andFragments(...parts: SqlFragment[]): SqlFragment {
  const present = parts.filter((p) => p.sql !== '');
  if (present.length <= 1) return present[0] ?? { sql: '', params: [] };
  return { sql: present.map((p) => `(${p.sql})`).join(' AND '), params: present.flatMap((p) => p.params) };
}

export function compile(parsed: ParsedQueries, target: QueryTarget, opts: CompileOptions = {}): CompiledQuery {
  const alias = opts.alias ?? target.table;
  const budget = opts.paramBudget ?? 80;
  const cursorParams = parsed.cursor ? 1 : 0;

  let filter: SqlFragment = { sql: '', params: [] };
  if (parsed.filters.length) {
    const direct = new DirectEmitter();
    const sql = new FilterCompiler(target, alias, direct).filters(parsed.filters);
    if (direct.params.length + cursorParams <= budget) {
      filter = { sql, params: direct.params };
    } else {
      const packed = new PackedEmitter();
      const inner = new FilterCompiler(target, alias, packed).filters(parsed.filters);
      filter = { sql: `EXISTS (SELECT 1 FROM (SELECT ? AS _q) WHERE ${inner})`, params: [jsonText(packed.pack)] };
    }
  }

  const all = withTiebreaker(parsed, target);
  const orders: ResolvedOrder[] = all
    .filter((o) => o.direction !== 'random')
    .map((o) => ({
      attribute: o.attribute!,
      column: o.field!.column,
      direction: o.direction as 'asc' | 'desc',
      notNull: Boolean(o.field!.notNull) || o.field!.column === target.seqColumn || o.field!.column === target.idColumn,
    }));
  const reverse = parsed.cursor?.direction === 'before';
  const cursorFilter: SqlFragment = parsed.cursor
    ? { sql: keysetSql(orders, target, alias, reverse), params: [parsed.cursor.id] }
    : { sql: '', params: [] };

  const where = andFragments(filter, cursorFilter);
  if (new TextEncoder().encode(where.sql).length > (opts.maxSqlLength ?? 90_000)) {
    throw new ApiError('general_query_invalid', 'Invalid query: The queries are too complex to run');
  }

  const orderBy = all
    .map((o) => {
      if (o.direction === 'random') return 'random()';
      const asc = (o.direction === 'asc') !== reverse;
      return `${quoteIdent(alias)}.${quoteIdent(o.field!.column)} ${asc ? 'ASC' : 'DESC'}`;
    })
    .join(', ');

  return {
    filter,
    cursorFilter,
    where,
    orderBy,
    reverse,
    limit: parsed.limit,
    offset: parsed.offset,
    cursor: parsed.cursor,
    select: parsed.select,
    orders,
    random: parsed.orders.some((o) => o.direction === 'random'),
  };
}
