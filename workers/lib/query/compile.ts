/**
 * `ParsedQueries` → SQL fragments for SQLite/D1. Only `QueryTarget` names (trusted) are written
 * into SQL text; every client value is a bound parameter. Orders and cursors: order.ts.
 *
 * D1 allows 100 bound parameters per statement. Value lists always travel as one JSON parameter
 * read with `json_each`, so a leaf costs at most two parameters; when the filters still need more
 * than the budget, the whole filter is re-emitted "packed": all values in ONE JSON array read with
 * `_q->>i` inside a single `EXISTS (SELECT 1 FROM (SELECT ? AS _q) WHERE …)`. Either way a
 * statement stays within the limit for any input the parser accepts.
 */
import { ApiError } from '../errors';
import { containsAnySql, textMatchSql } from './like';
import { keysetSql, withTiebreaker } from './order';
import { joinBalanced, quoteIdent } from './sql-text';
import type { CompiledQuery, Filter, LeafFilter, ParsedQueries, QueryField, QueryTarget, ResolvedOrder, SqlFragment, SqlValue } from './types';

/**
 * The caller's read condition on a related table's rows, as SQL over `alias` (its `?` parameters
 * in order, strings or numbers), or null when the caller may read every row. A filter on a related
 * row's column (`author.name`) only ever sees rows this keeps, so it cannot probe unreadable ones.
 */
export type RelatedScope = (target: QueryTarget, alias: string) => SqlFragment | null;

export interface CompileOptions {
  /** Required as soon as a filter crosses a relationship (`author.name`). */
  relatedScope?: RelatedScope;
  /** How the caller's FROM names the table (default: the table name itself). */
  alias?: string;
  /** Parameters the WHERE may use; the rest of the statement's 100 are the caller's. Default 80. */
  paramBudget?: number;
  /** D1 rejects statements over 100,000 bytes; leave room for the caller's SQL. Default 90,000. */
  maxSqlLength?: number;
}

export { escapeLike } from './like';
export { quoteIdent } from './sql-text';

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

class FilterCompiler {
  constructor(
    private readonly target: QueryTarget,
    private readonly alias: string,
    private readonly e: Emitter,
    private readonly scope: RelatedScope | undefined,
    /** Relationships crossed to get here: names the related aliases apart. */
    private readonly depth = 0,
  ) {}

  col(field: QueryField | string): string {
    return `${quoteIdent(this.alias)}.${quoteIdent(typeof field === 'string' ? field : field.column)}`;
  }

  /**
   * Filters ANDed together. Those crossing the same relationship are one condition on ONE related
   * row (Appwrite's grouping: `author.name` and `author.age` must hold for the same author).
   */
  filters(filters: Filter[]): string {
    const parts: string[] = [];
    const groups = new Map<string, LeafFilter[]>();
    for (const f of filters) {
      if (f.type === 'leaf' && f.via?.length) {
        const key = f.via[0].key;
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key)!.push(f);
      } else parts.push(this.filter(f));
    }
    for (const group of groups.values()) parts.push(this.related(group));
    return joinBalanced(parts, 'AND');
  }

  filter(f: Filter): string {
    if (f.type === 'logic') return f.op === 'and' ? this.filters(f.children) : this.anyOf(f.children);
    return f.via?.length ? this.related([f]) : this.leaf(f);
  }

  /**
   * Filters ORed together. Those crossing the same relationship share one related-row lookup
   * (some related row meets one of them ⇔ one of them is met by some related row), so the
   * caller's read condition on that table is written once, not once per filter.
   */
  private anyOf(filters: Filter[]): string {
    const parts: string[] = [];
    const groups = new Map<string, LeafFilter[]>();
    for (const f of filters) {
      if (f.type === 'leaf' && f.via?.length && f.op !== 'containsAll') {
        const key = f.via[0].key;
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key)!.push(f);
      } else parts.push(this.filter(f));
    }
    for (const group of groups.values()) parts.push(this.lookup(group, 'OR'));
    return joinBalanced(parts, 'OR');
  }

  /**
   * Leaves crossing the relationship `via[0]`: the row's id is among the owners of links to
   * related rows the caller may read that meet every leaf. Uncorrelated, so SQLite evaluates it
   * once per statement (an index on the related column drives it), not once per row.
   */
  private related(leaves: LeafFilter[]): string {
    const parts: string[] = [];
    const seen = new Set<string>();
    const same: LeafFilter[] = [];
    for (const leaf of leaves) {
      if (leaf.op === 'containsAll') {
        // Each value may be met by a different related row (Appwrite resolves them one by one).
        const op = leaf.field.array ? 'contains' : 'equal';
        for (const v of leaf.values) parts.push(this.related([{ ...leaf, op, values: [v] }]));
        continue;
      }
      if (leaf.op === 'equal' && seen.has(leaf.attribute)) {
        throw new ApiError('general_query_invalid', `Invalid query: Multiple equal queries on '${leaf.attribute}' will never match a single document. Use Query::containsAll() to match across different related documents.`);
      }
      if (leaf.op === 'equal') seen.add(leaf.attribute);
      same.push(leaf);
    }
    if (same.length) parts.push(this.lookup(same, 'AND'));
    return joinBalanced(parts, 'AND');
  }

  /** Owners of links to related rows the caller may read that meet all (`AND`) or any (`OR`) of `leaves`. */
  private lookup(leaves: LeafFilter[], op: 'AND' | 'OR'): string {
    if (!this.scope) throw new Error('compile: a filter on a related column needs options.relatedScope');
    const hop = leaves[0].via![0];
    const depth = this.depth + 1;
    const link = `_k${depth}`;
    const alias = `_r${depth}`;
    const scope = this.scope(hop.target, alias);
    const conditions: string[] = [];
    if (scope) conditions.push(`(${this.bound(scope)})`);
    const inner = new FilterCompiler(hop.target, alias, this.e, this.scope, depth);
    const rest = leaves.map((l): LeafFilter => ({ ...l, via: l.via!.slice(1) }));
    conditions.push(op === 'AND' ? inner.filters(rest) : `(${inner.anyOf(rest)})`);
    const owners =
      `SELECT ${link}.${quoteIdent(hop.link.own)} FROM ${quoteIdent(hop.link.table)} AS ${link} ` +
      `JOIN ${quoteIdent(hop.target.table)} AS ${alias} ON ${alias}.${quoteIdent(hop.target.idColumn)} = ${link}.${quoteIdent(hop.link.other)} ` +
      `WHERE ${conditions.join(' AND ')}`;
    return `${this.col(this.target.idColumn)} IN (${owners})`;
  }

  /** The scope's SQL with each `?` bound through the emitter, so a packed filter stays one parameter. */
  private bound(fragment: SqlFragment): string {
    const pieces = fragment.sql.split('?');
    if (pieces.length - 1 !== fragment.params.length) throw new Error('compile: a related scope must use exactly one `?` per parameter');
    return pieces.reduce((sql, piece, i) => sql + this.e.value(fragment.params[i - 1] as SqlValue) + piece);
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
    const sql = new FilterCompiler(target, alias, direct, opts.relatedScope).filters(parsed.filters);
    if (direct.params.length + cursorParams <= budget) {
      filter = { sql, params: direct.params };
    } else {
      const packed = new PackedEmitter();
      const inner = new FilterCompiler(target, alias, packed, opts.relatedScope).filters(parsed.filters);
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
