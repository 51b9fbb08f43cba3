/**
 * Appwrite's JSON query strings → validated `ParsedQueries` for one `QueryTarget`. The rules and
 * messages follow utopia-php/database (`Query::parse`, `Validator\Query\*`, `IndexedQueries`):
 * parse failures read "Invalid query method: x", validation failures "Invalid query: …", and
 * every failure is `general_query_invalid` (400). Values come out typed for SQL so the compiler
 * never has to look at client input again.
 */
import { ApiError } from '../errors';
import { parseDate, toAppwriteDate } from '../time';
import type { Filter, LeafFilter, LeafOp, Order, ParsedQueries, QueryField, QueryTarget, RelatedHop, SqlValue } from './types';

export const QUERY_LIMITS = {
  /** Queries per request (Appwrite's APP_LIMIT_ARRAY_PARAMS_SIZE). */
  maxQueries: 100,
  /** Characters per query string (APP_LIMIT_ARRAY_ELEMENT_SIZE). */
  maxQueryLength: 4096,
  /** Values per query (APP_DATABASE_QUERY_MAX_VALUES). */
  maxValues: 500,
  defaultLimit: 25,
  maxLimit: 5000,
  /** and/or levels; keeps the compiled SQL's expression depth small. */
  maxDepth: 5,
  /** Relationships one dotted attribute may cross (Appwrite's RELATION_MAX_DEPTH). */
  maxRelatedDepth: 3,
} as const;

const FILTER_OPS: Record<string, LeafOp> = {
  equal: 'equal', notEqual: 'notEqual',
  lessThan: 'lessThan', lessThanEqual: 'lessThanEqual', greaterThan: 'greaterThan', greaterThanEqual: 'greaterThanEqual',
  between: 'between', notBetween: 'notBetween', isNull: 'isNull', isNotNull: 'isNotNull',
  startsWith: 'startsWith', endsWith: 'endsWith', notStartsWith: 'notStartsWith', notEndsWith: 'notEndsWith',
  contains: 'contains', containsAny: 'contains', containsAll: 'containsAll', notContains: 'notContains',
  search: 'search', notSearch: 'notSearch',
};

/** Sugar the SDKs once sent as methods: `createdBefore(date)` is `lessThan('$createdAt', date)`. */
const DATE_SUGAR: Record<string, { attribute: string; op: LeafOp }> = {
  createdBefore: { attribute: '$createdAt', op: 'lessThan' },
  createdAfter: { attribute: '$createdAt', op: 'greaterThan' },
  createdBetween: { attribute: '$createdAt', op: 'between' },
  updatedBefore: { attribute: '$updatedAt', op: 'lessThan' },
  updatedAfter: { attribute: '$updatedAt', op: 'greaterThan' },
  updatedBetween: { attribute: '$updatedAt', op: 'between' },
};

const OTHER_METHODS = new Set(['select', 'orderAsc', 'orderDesc', 'orderRandom', 'limit', 'offset', 'cursorAfter', 'cursorBefore']);

/** Methods Appwrite knows that Ledge does not implement: a clear refusal rather than "unknown method". */
const UNSUPPORTED = new Set([
  'regex', 'exists', 'notExists', 'elemMatch',
  'distanceEqual', 'distanceNotEqual', 'distanceGreaterThan', 'distanceLessThan', 'intersects', 'notIntersects',
  'crosses', 'notCrosses', 'overlaps', 'notOverlaps', 'touches', 'notTouches',
  'vectorDot', 'vectorCosine', 'vectorEuclidean',
]);

const SINGLE_VALUE = new Set<LeafOp>([
  'notEqual', 'lessThan', 'lessThanEqual', 'greaterThan', 'greaterThanEqual',
  'search', 'notSearch', 'startsWith', 'endsWith', 'notStartsWith', 'notEndsWith',
]);
const AT_LEAST_ONE = new Set<LeafOp>(['equal', 'contains', 'containsAll', 'notContains']);
const ARRAY_OPS = new Set<LeafOp>(['contains', 'notContains', 'containsAll', 'isNull', 'isNotNull']);
const TEXT_ONLY = new Set<LeafOp>(['startsWith', 'endsWith', 'notStartsWith', 'notEndsWith', 'search', 'notSearch']);

const CURSOR_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$/;
const MIN_DATE_MS = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_DATE_MS = Date.parse('9999-12-31T23:59:59.999Z');
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export interface RawQuery {
  method: string;
  attribute: string;
  values: unknown[];
}

export function invalid(message: string): never {
  throw new ApiError('general_query_invalid', message);
}

const ucfirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** PHP's gettype() names, as Appwrite's messages use them. */
function typeName(value: unknown): string {
  if (value === null) return 'NULL';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'double';
  if (typeof value === 'bigint') return 'integer';
  return typeof value === 'object' ? 'array' : typeof value;
}

/** JSON.parse, except integer literals beyond ±2^53 stay exact as `bigint` (node-appwrite sends them raw). */
function parseJson(text: string): unknown {
  return JSON.parse(text, function (_key: string, value: unknown, context?: { source?: string }) {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)) {
      return BigInt(context.source);
    }
    return value;
  } as (key: string, value: unknown) => unknown);
}

/** The `{method, attribute, values}` object of one query; nested and/or values are checked later. */
export function rawQuery(node: unknown): RawQuery {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) invalid(`Invalid query. Must be an array, got ${typeName(node)}`);
  const { method = '', attribute = '', values = [] } = node as Record<string, unknown>;
  if (typeof method !== 'string') invalid(`Invalid query method. Must be a string, got ${typeName(method)}`);
  if (!(method in FILTER_OPS) && !(method in DATE_SUGAR) && !OTHER_METHODS.has(method) && !UNSUPPORTED.has(method)
    && method !== 'and' && method !== 'or') {
    invalid(`Invalid query method: ${method}`);
  }
  if (typeof attribute !== 'string') invalid(`Invalid query attribute. Must be a string, got ${typeName(attribute)}`);
  if (!Array.isArray(values)) invalid(`Invalid query values. Must be an array, got ${typeName(values)}`);
  return { method, attribute, values };
}

/** Lone surrogates cannot round-trip through UTF-8; SQLite would see U+FFFD anyway. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** One query value, typed for a field of `kind`; null when it does not fit. */
function sqlValue(value: unknown, field: QueryField, target: QueryTarget): SqlValue | null {
  switch (field.kind) {
    case 'text':
      return typeof value === 'string' && !value.includes('\u0000') ? wellFormed(value) : null;
    case 'boolean':
      return typeof value === 'boolean' ? (value ? 1 : 0) : null;
    case 'real':
      if (typeof value === 'bigint') return Number(value);
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    case 'datetime': {
      if (typeof value !== 'string') return null;
      const ms = parseDate(value);
      return ms !== null && ms >= MIN_DATE_MS && ms <= MAX_DATE_MS ? toAppwriteDate(ms) : null;
    }
    case 'integer': {
      let n: bigint;
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      if (typeof value === 'bigint') n = value;
      // `$sequence` is a string in Appwrite's models, so clients may echo it back as one.
      else if (typeof value === 'string' && field.column === target.seqColumn && /^\d{1,19}$/.test(value)) n = BigInt(value);
      else return null;
      if (n < INT64_MIN || n > INT64_MAX) return null;
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
  }
}

function leafFilter(op: LeafOp, method: string, attribute: string, values: unknown[], target: QueryTarget): LeafFilter {
  const isEmpty = values.length === 0 || (Array.isArray(values[0]) && values[0].length === 0);
  if (AT_LEAST_ONE.has(op) && isEmpty) invalid(`Invalid query: ${ucfirst(method)} queries require at least one value.`);
  if (SINGLE_VALUE.has(op) && values.length !== 1) invalid(`Invalid query: ${ucfirst(method)} queries require exactly one value.`);
  if ((op === 'between' || op === 'notBetween') && values.length !== 2) invalid(`Invalid query: ${ucfirst(method)} queries require exactly two values.`);

  const resolved = resolveAttribute(attribute, target);
  if (!resolved) invalid(`Invalid query: Attribute not found in schema: ${attribute}`);
  if (values.length > QUERY_LIMITS.maxValues) invalid(`Invalid query: Query on attribute has greater than ${QUERY_LIMITS.maxValues} values: ${attribute}`);
  const { field, via } = resolved;
  if (via) {
    const leaf = leafOn(op, method, attribute, field, values, resolved.target, true);
    return { ...leaf, via };
  }
  return leafOn(op, method, attribute, field, values, target, false);
}

/**
 * `attribute` as a field of `target`, or — dotted, `author.name`, `author.books.title` — as a field
 * of a related table reached through `target.relations`, with the relationships crossed.
 */
function resolveAttribute(attribute: string, target: QueryTarget): { field: QueryField; target: QueryTarget; via?: RelatedHop[] } | undefined {
  if (Object.hasOwn(target.fields, attribute)) return { field: target.fields[attribute], target };
  const via: RelatedHop[] = [];
  let at = target;
  let rest = attribute;
  for (let dot = rest.indexOf('.'); dot > 0; dot = rest.indexOf('.')) {
    const key = rest.slice(0, dot);
    const rel = at.relations && Object.hasOwn(at.relations, key) ? at.relations[key] : undefined;
    if (!rel) return undefined;
    via.push({ key, ...rel });
    if (via.length > QUERY_LIMITS.maxRelatedDepth) {
      invalid(`Invalid query: Relationships can be queried at most ${QUERY_LIMITS.maxRelatedDepth} levels deep: ${attribute}`);
    }
    at = rel.target;
    rest = rest.slice(dot + 1);
  }
  if (via.length === 0 || !Object.hasOwn(at.fields, rest)) return undefined;
  return { field: at.fields[rest], target: at, via };
}

/** A leaf on `field` of `target`; `related`: reached through relationships, where containsAll also takes a scalar (any related row per value). */
function leafOn(op: LeafOp, method: string, attribute: string, field: QueryField, values: unknown[], target: QueryTarget, related: boolean): LeafFilter {
  if (field.link) return linkFilter(op, method, attribute, field, values, target);
  if (field.array && !ARRAY_OPS.has(op)) invalid(`Invalid query: Cannot query ${method} on attribute "${attribute}" because it is an array.`);
  if (!field.array && (op === 'contains' || op === 'notContains') && field.kind !== 'text') {
    invalid(`Invalid query: Cannot query ${op} on attribute "${attribute}" because it is not an array, string, or object.`);
  }
  if (!field.array && op === 'containsAll' && !related) invalid(`Invalid query: Cannot query containsAll on attribute "${attribute}" because it is not an array.`);
  if (TEXT_ONLY.has(op) && field.kind !== 'text') invalid(`Invalid query: Cannot query ${method} on attribute "${attribute}" because it is not a string.`);
  if ((op === 'search' || op === 'notSearch') && !field.fulltext) invalid(`Invalid query: Searching by attribute "${attribute}" requires a fulltext index.`);

  if (op === 'isNull' || op === 'isNotNull') return { type: 'leaf', op, attribute, field, values: [] };
  const typed = values.map((v) => {
    const out = sqlValue(v, field, target);
    if (out === null) invalid(`Invalid query: Query value is invalid for attribute "${attribute}"`);
    return out;
  });
  return { type: 'leaf', op, attribute, field, values: op === 'containsAll' ? [...new Set(typed)] : typed };
}

const LINK_OPS = new Set<LeafOp>(['equal', 'notEqual', 'contains', 'isNull', 'isNotNull']);

/** A filter on a relationship column: by related row id, or whether there is any. */
function linkFilter(op: LeafOp, method: string, attribute: string, field: QueryField, values: unknown[], target: QueryTarget): LeafFilter {
  if (!LINK_OPS.has(op)) invalid(`Invalid query: Cannot query ${method} on attribute "${attribute}" because it is a relationship.`);
  if (op === 'isNull' || op === 'isNotNull') return { type: 'leaf', op, attribute, field, values: [] };
  const ids = values.map((v) => {
    const out = sqlValue(v, field, target);
    if (out === null) invalid(`Invalid query: Query value is invalid for attribute "${attribute}"`);
    return out;
  });
  return { type: 'leaf', op, attribute, field, values: ids };
}

function filterNode(q: RawQuery, target: QueryTarget, depth: number): Filter {
  if (UNSUPPORTED.has(q.method)) invalid(`Invalid query: Query method "${q.method}" is not supported`);
  if (q.method === 'and' || q.method === 'or') {
    if (depth > QUERY_LIMITS.maxDepth) invalid(`Invalid query: and/or queries may be nested at most ${QUERY_LIMITS.maxDepth} levels deep`);
    const children = q.values.map(rawQuery);
    if (children.some((c) => OTHER_METHODS.has(c.method))) invalid(`Invalid query: ${ucfirst(q.method)} queries can only contain filter queries`);
    if (children.length < 2) invalid(`Invalid query: ${ucfirst(q.method)} queries require at least two queries`);
    return { type: 'logic', op: q.method, children: children.map((c) => filterNode(c, target, depth + 1)) };
  }
  const sugar = DATE_SUGAR[q.method];
  if (sugar) return leafFilter(sugar.op, q.method, sugar.attribute, q.values, target);
  return leafFilter(FILTER_OPS[q.method], q.method, q.attribute, q.values, target);
}

function integerIn(value: unknown, min: number, max: number, name: string): number {
  if (typeof value !== 'number' && typeof value !== 'bigint') invalid(`Invalid query: Invalid ${name}: Value must be a valid number`);
  if (typeof value === 'bigint' || !Number.isInteger(value) || value < min || value > max) {
    invalid(`Invalid query: Invalid ${name}: Value must be a valid range between ${min.toLocaleString('en-US')} and ${max.toLocaleString('en-US')}`);
  }
  return value;
}

/**
 * The list's query strings read as `{method, attribute, values}` (Appwrite's count, length and
 * syntax rules), each with the JSON it came from; lists and realtime subscriptions both start here.
 */
export function readQueryStrings(raw: readonly unknown[]): { q: RawQuery; node: unknown }[] {
  if (raw.length > QUERY_LIMITS.maxQueries) invalid(`Invalid query: A maximum of ${QUERY_LIMITS.maxQueries} queries is allowed`);
  return raw.map((text) => {
    if (typeof text !== 'string') invalid('Invalid query: Query must be a string');
    if (text.length > QUERY_LIMITS.maxQueryLength) invalid(`Invalid query: Each query must be at most ${QUERY_LIMITS.maxQueryLength} characters long`);
    let node: unknown;
    try {
      node = parseJson(text);
    } catch {
      invalid('Invalid query: Syntax error');
    }
    return { q: rawQuery(node), node };
  });
}

/** Parses and validates `raw` for `target`; throws `general_query_invalid` naming the problem. */
export function parseQueries(raw: readonly string[], target: QueryTarget): ParsedQueries {
  const out: ParsedQueries = { filters: [], orders: [], limit: QUERY_LIMITS.defaultLimit, offset: 0, cursor: null, select: null };
  let limitSeen = false;
  let offsetSeen = false;
  for (const { q } of readQueryStrings(raw)) {
    switch (q.method) {
      case 'limit': {
        const limit = integerIn(q.values[0], 1, QUERY_LIMITS.maxLimit, 'limit');
        if (!limitSeen) out.limit = limit;
        limitSeen = true;
        break;
      }
      case 'offset': {
        const offset = integerIn(q.values[0], 0, Number.MAX_SAFE_INTEGER, 'offset');
        if (!offsetSeen) out.offset = offset;
        offsetSeen = true;
        break;
      }
      case 'cursorAfter':
      case 'cursorBefore': {
        const id = q.values[0];
        if (typeof id !== 'string' || !CURSOR_ID.test(id)) {
          invalid("Invalid query: Invalid cursor: UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore");
        }
        out.cursor ??= { direction: q.method === 'cursorAfter' ? 'after' : 'before', id };
        break;
      }
      case 'orderAsc':
      case 'orderDesc':
      case 'orderRandom':
        out.orders.push(orderOf(q, target));
        break;
      case 'select':
        out.select = selection(q.values, target, out.select ?? []);
        break;
      default:
        out.filters.push(filterNode(q, target, 1));
    }
  }
  if (out.cursor && out.orders.some((o) => o.direction === 'random')) {
    invalid('Invalid query: Cursor pagination cannot be combined with orderRandom');
  }
  return out;
}

function orderOf(q: RawQuery, target: QueryTarget): Order {
  if (q.method === 'orderRandom') return { attribute: null, field: null, direction: 'random' };
  const attribute = q.attribute === '' ? '$sequence' : q.attribute;
  const field = Object.hasOwn(target.fields, attribute) ? target.fields[attribute] : undefined;
  if (!field) invalid(`Invalid query: Attribute not found in schema: ${attribute}`);
  if (field.link) invalid(`Invalid query: Cannot order by attribute "${attribute}" because it is a relationship.`);
  return { attribute, field, direction: q.method === 'orderAsc' ? 'asc' : 'desc' };
}

function selection(values: unknown[], target: QueryTarget, previous: string[]): string[] {
  if (values.length === 0) invalid('Invalid query: No attributes selected');
  for (const v of values) if (typeof v !== 'string') invalid(`Invalid query: Attribute selection must be a string, got ${typeName(v)}`);
  const names = values as string[];
  if (new Set(names).size !== names.length) invalid('Invalid query: Duplicate attributes selected');
  for (const name of names) {
    // `author.*`, `author.name`: the owner of a relationship column checks the nested path.
    const head = name.split('.')[0];
    if (name.includes('.') && Object.hasOwn(target.fields, head) && target.fields[head].link) continue;
    if (name !== '*' && !Object.hasOwn(target.fields, name) && !target.selectable?.includes(name)) {
      invalid(`Invalid query: Attribute not found in schema: ${name}`);
    }
  }
  return [...previous, ...names.filter((n) => !previous.includes(n))];
}
