/**
 * Orders and cursors: the `$sequence` tiebreaker (in the direction of the index that serves the
 * order) and the keyset condition of `cursorAfter`/`cursorBefore`.
 */
import { joinBalanced, quoteIdent } from './sql-text';
import type { Filter, Order, ParsedQueries, QueryTarget, ResolvedOrder } from './types';

/**
 * Orders as requested plus Appwrite's `$sequence` tiebreaker, unless an order is already unique.
 * The tiebreaker runs the way the index that can serve the order is scanned (`tiebreakOfIndex`),
 * so `orderDesc(priority)` over an ascending index on `priority` is a backward scan with no sort;
 * with no such index it follows a leading `$createdAt`/`$updatedAt`, else it is ascending.
 */
export function withTiebreaker(parsed: ParsedQueries, target: QueryTarget) {
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
export function keysetSql(orders: ResolvedOrder[], target: QueryTarget, alias: string, reverse: boolean): string {
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
