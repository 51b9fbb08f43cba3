/**
 * A reference evaluator for parsed Appwrite queries over rows held in memory, written without
 * SQL so property tests can hold the compiler (and endpoints built on it) to it. Rows are in the
 * client's shape: `{ $id, $sequence, $createdAt, $updatedAt, <column>: value }`, booleans as
 * booleans, arrays as arrays, int64 beyond 2^53 as bigint, missing values as null/undefined.
 *
 * Comparison rules it encodes (SQLite's, which the compiler relies on): NULL sorts first and
 * fails every comparison; numbers compare numerically, text by code point; LIKE-style operators
 * (startsWith/endsWith/contains on text) fold ASCII case only (and read U+FFFE/U+FFFF as U+FFFD); search follows FTS5 unicode61
 * words (letters/digits, case- and accent-folded), any word matching, the last as a prefix, or
 * one exact phrase when the search string is wrapped in double quotes.
 */
import type { CompiledQuery, Filter, LeafFilter, Order, ParsedQueries, QueryTarget, SqlValue } from '../types';

export type OracleRow = Record<string, unknown>;

export type OracleResult =
  | { ok: true; rows: OracleRow[]; total: number; random: boolean }
  | { ok: false; error: 'general_cursor_not_found' | 'database_query_order_null' };

type Cmp = string | number | bigint;

/** A stored value as SQL sees it: booleans 0/1, arrays as their JSON text. */
function scalar(v: unknown): Cmp | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (Array.isArray(v)) return JSON.stringify(v);
  return v as Cmp;
}

/** Code point order (= UTF-8 byte order, SQLite's BINARY collation), not UTF-16 unit order. */
function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after U+E000–U+FFFF.
    if (x >= 0xd800 && y >= 0xd800) {
      x += x < 0xe000 ? 0x2000 : -0x800;
      y += y < 0xe000 ? 0x2000 : -0x800;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** SQLite's order: NULL < numbers < text. */
function compare(a: Cmp | null, b: Cmp | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const an = typeof a !== 'string';
  const bn = typeof b !== 'string';
  if (an && bn) return a < b ? -1 : a > b ? 1 : 0;
  if (an !== bn) return an ? -1 : 1;
  return compareText(a as string, b as string);
}

const same = (a: Cmp | null, b: Cmp) => a !== null && typeof a === 'string' === (typeof b === 'string') && compare(a, b) === 0;
/** How SQLite's LIKE sees text: ASCII case folded, and the noncharacters U+FFFE/U+FFFF read as U+FFFD. */
const foldAscii = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(/[\uFFFE\uFFFF]/g, '\uFFFD');

/** unicode61: words are letter/digit runs, folded to lower case without diacritics. */
const wordCache = new Map<string, string[]>();
function words(s: string): string[] {
  const hit = wordCache.get(s);
  if (hit) return hit;
  if (wordCache.size > 10_000) wordCache.clear();
  const out = unicodeWords(s);
  wordCache.set(s, out);
  return out;
}

function unicodeWords(s: string): string[] {
  return (s.match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => w.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase());
}

function searchMatches(haystack: string, search: string): boolean {
  const needle = words(search);
  const hay = words(haystack);
  if (!needle.length) return false;
  if (search.length >= 2 && search.startsWith('"') && search.endsWith('"')) {
    for (let i = 0; i + needle.length <= hay.length; i++) if (needle.every((w, j) => hay[i + j] === w)) return true;
    return false;
  }
  const last = needle[needle.length - 1];
  return hay.some((h) => h.startsWith(last)) || needle.slice(0, -1).some((w) => hay.includes(w));
}

function leafMatches(f: LeafFilter, row: OracleRow): boolean {
  const raw = row[f.attribute];
  if (f.op === 'isNull') return raw === null || raw === undefined;
  if (f.op === 'isNotNull') return raw !== null && raw !== undefined;
  if (raw === null || raw === undefined) return false;
  const values = f.values as SqlValue[];
  if (f.field.array) {
    const elements = (raw as unknown[]).map(scalar);
    const has = (v: SqlValue) => elements.some((e) => same(e, v));
    if (f.op === 'contains') return values.some(has);
    if (f.op === 'notContains') return !values.some(has);
    if (f.op === 'containsAll') return values.every(has);
    throw new Error(`oracle: ${f.op} on an array`);
  }
  const v = scalar(raw)!;
  const [a, b] = values;
  const text = () => foldAscii(String(v));
  switch (f.op) {
    case 'equal':
      return values.some((x) => same(v, x));
    case 'notEqual':
      return !same(v, a);
    case 'lessThan':
      return compare(v, a) < 0;
    case 'lessThanEqual':
      return compare(v, a) <= 0;
    case 'greaterThan':
      return compare(v, a) > 0;
    case 'greaterThanEqual':
      return compare(v, a) >= 0;
    case 'between':
      return compare(v, a) >= 0 && compare(v, b) <= 0;
    case 'notBetween':
      return compare(v, a) < 0 || compare(v, b) > 0;
    case 'startsWith':
      return text().startsWith(foldAscii(String(a)));
    case 'notStartsWith':
      return !text().startsWith(foldAscii(String(a)));
    case 'endsWith':
      return text().endsWith(foldAscii(String(a)));
    case 'notEndsWith':
      return !text().endsWith(foldAscii(String(a)));
    case 'contains':
      return values.some((x) => text().includes(foldAscii(String(x))));
    case 'notContains':
      return !values.some((x) => text().includes(foldAscii(String(x))));
    case 'search':
      return searchMatches(String(v), String(a));
    case 'notSearch':
      return !searchMatches(String(v), String(a));
    default:
      throw new Error(`oracle: unknown op ${f.op}`);
  }
}

export function matches(f: Filter, row: OracleRow): boolean {
  if (f.type === 'logic') return f.op === 'and' ? f.children.every((c) => matches(c, row)) : f.children.some((c) => matches(c, row));
  return leafMatches(f, row);
}

/**
 * Appwrite's rule: unless $id/$sequence is ordered on, `$sequence` breaks ties (in a leading
 * $createdAt/$updatedAt's direction). The compiler may run it the other way, as the index that
 * serves the order is scanned; `tiebreak` says which way it chose, and the rows must then agree.
 */
function sortKeys(orders: Order[], tiebreak?: 'asc' | 'desc'): { attribute: string; asc: boolean }[] {
  const keys = orders.filter((o) => o.direction !== 'random').map((o) => ({ attribute: o.attribute!, asc: o.direction === 'asc' }));
  if (!orders.some((o) => o.attribute === '$id' || o.attribute === '$sequence')) {
    const lead = orders[0];
    const timeLead = lead && (lead.attribute === '$createdAt' || lead.attribute === '$updatedAt');
    keys.push({ attribute: '$sequence', asc: tiebreak ? tiebreak === 'asc' : timeLead ? lead.direction === 'asc' : true });
  }
  return keys;
}

/**
 * A row cut down to a `select`: the named attributes (all for `*` or no select) plus the
 * `$`-prefixed system attributes, which Ledge always returns.
 */
export function project(row: OracleRow, select: string[] | null): OracleRow {
  if (!select || select.includes('*')) return row;
  return Object.fromEntries(Object.entries(row).filter(([k]) => k.startsWith('$') || select.includes(k)));
}

export function runOracle(parsed: ParsedQueries, rows: OracleRow[], opts: { countMax?: number; tiebreak?: 'asc' | 'desc' } = {}): OracleResult {
  const keys = sortKeys(parsed.orders, opts.tiebreak);
  const cmp = (x: OracleRow, y: OracleRow) => {
    for (const k of keys) {
      const c = compare(scalar(x[k.attribute]), scalar(y[k.attribute]));
      if (c !== 0) return k.asc ? c : -c;
    }
    return 0;
  };
  const filtered = rows.filter((r) => parsed.filters.every((f) => matches(f, r)));
  const total = Math.min(filtered.length, opts.countMax ?? 5000);
  const random = parsed.orders.some((o) => o.direction === 'random');
  let candidates = [...filtered].sort(cmp);

  const { cursor, offset, limit } = parsed;
  if (cursor) {
    const anchor = rows.find((r) => r.$id === cursor.id);
    if (!anchor) return { ok: false, error: 'general_cursor_not_found' };
    if (keys.some((k) => scalar(anchor[k.attribute]) === null)) return { ok: false, error: 'database_query_order_null' };
    if (cursor.direction === 'after') {
      candidates = candidates.filter((r) => cmp(r, anchor) > 0);
    } else {
      const before = candidates.filter((r) => cmp(r, anchor) < 0);
      const end = before.length - offset;
      return { ok: true, rows: end <= 0 ? [] : before.slice(Math.max(0, end - limit), end), total, random };
    }
  }
  return { ok: true, rows: candidates.slice(offset, offset + limit), total, random };
}

/** The `$sequence` tiebreaker direction the compiler added (see `runOracle`'s `tiebreak`), if it added one. */
export function tiebreakOf(compiled: CompiledQuery, parsed: ParsedQueries, target: QueryTarget): 'asc' | 'desc' | undefined {
  const last = compiled.orders[compiled.orders.length - 1];
  const requested = parsed.orders.some((o) => o.field?.column === target.seqColumn || o.field?.column === target.idColumn);
  return last && last.column === target.seqColumn && !requested ? last.direction : undefined;
}
