/**
 * Row values: Appwrite's structure validation (utopia-php/database `Structure`), and the mapping
 * between JSON values, SQLite storage and the response model. Integers beyond 2^53 stay exact
 * end to end: request bodies are parsed with source-text access, D1 receives them as decimal
 * text (INTEGER affinity stores them as integers), reads cast them back to text, and responses
 * write them as raw JSON numbers — the SDKs read them with json-bigint.
 */
import { ApiError, type ErrorType } from '../lib/errors';
import { parseDate, toAppwriteDate } from '../lib/time';
import { parseJsonBig, stringifyJsonBig } from '../lib/json-big';
import { isValidEmail, isValidIp, isValidUrl } from './value-formats';
import { MAX_ROW_BYTES } from './column-rules';
import { DOUBLE_MAX, INT64_MAX, INT64_MIN, integerTypeLimit } from './numeric-range';
import type { Flavor } from './flavor';
import type { ColumnDef, TableDef } from './types';

/** The two public shapes of one implementation: TablesDB (`rows`) and legacy Databases (`documents`). */
export interface RowApi {
  flavor: Flavor;
  /** Response keys: `$tableId` or `$collectionId`, `rows` or `documents`. */
  parentKey: '$tableId' | '$collectionId';
  listKey: 'rows' | 'documents';
  /** The id parameter name on create (`rowId` / `documentId`). */
  idParam: 'rowId' | 'documentId';
  errors: {
    notFound: ErrorType;
    parentNotFound: ErrorType;
    invalidStructure: ErrorType;
    alreadyExists: ErrorType;
    uniqueViolation: ErrorType;
    missingData: ErrorType;
    missingPayload: ErrorType;
    columnNotFound: ErrorType;
    limitExceeded: ErrorType;
  };
  /** How Appwrite names the namespace in increment/decrement messages. */
  sdkNamespace: 'tablesDB' | 'databases';
}

export const TABLES_API: RowApi = {
  flavor: 'tablesdb',
  parentKey: '$tableId',
  listKey: 'rows',
  idParam: 'rowId',
  errors: {
    notFound: 'row_not_found',
    parentNotFound: 'table_not_found',
    invalidStructure: 'row_invalid_structure',
    alreadyExists: 'row_already_exists',
    uniqueViolation: 'row_unique_constraint_violation',
    missingData: 'row_missing_data',
    missingPayload: 'row_missing_payload',
    columnNotFound: 'column_not_found',
    limitExceeded: 'column_limit_exceeded',
  },
  sdkNamespace: 'tablesDB',
};

export const DOCUMENTS_API: RowApi = {
  flavor: 'legacy',
  parentKey: '$collectionId',
  listKey: 'documents',
  idParam: 'documentId',
  errors: {
    notFound: 'document_not_found',
    parentNotFound: 'collection_not_found',
    invalidStructure: 'document_invalid_structure',
    alreadyExists: 'document_already_exists',
    uniqueViolation: 'document_unique_constraint_violation',
    missingData: 'document_missing_data',
    missingPayload: 'document_missing_payload',
    columnNotFound: 'attribute_not_found',
    limitExceeded: 'attribute_limit_exceeded',
  },
  sdkNamespace: 'databases',
};

// ---------------------------------------------------------------------------------------------
// Validation

/** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, Appwrite's datetime bounds. */
const MIN_DATE = -62167219200000;
const MAX_DATE = 253402300799999;

class StructureError extends Error {}

const utf8 = new TextEncoder();

function structure(message: string): never {
  throw new StructureError(message);
}

/** PHP's number_format($n): rounded to an integer, thousands separated by commas. */
function numberFormat(n: number | bigint): string {
  const whole = typeof n === 'bigint' ? n : BigInt(Math.sign(n) * Math.round(Math.abs(n)));
  const neg = whole < 0n;
  const digits = (neg ? -whole : whole).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + digits;
}

function toBig(n: number | bigint): bigint {
  return typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
}

function asBigInt(value: unknown): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return null;
}

/**
 * Checks one scalar against its column; returns the normalised value or throws a StructureError
 * worded like Appwrite's validators ("Value must be a valid integer", ...). `label` is how
 * Appwrite names the failing check: "format" for columns with a format (ranges, email, enum, ...).
 */
function checkScalar(col: ColumnDef, value: unknown, where: string): unknown {
  const label = ['integer', 'bigint', 'float', 'email', 'ip', 'url', 'enum'].includes(col.type) ? 'format' : 'type';
  const bad = (why: string): never => structure(`Attribute "${where}" has invalid ${label}. ${why}`);
  switch (col.type) {
    case 'integer':
    case 'bigint': {
      let v = value;
      if (col.type === 'bigint' && typeof v === 'string' && /^-?\d{1,19}$/.test(v)) v = BigInt(v);
      const n = asBigInt(v);
      if (n === null) bad(col.type === 'bigint' ? 'Value must be a valid big integer' : 'Value must be a valid integer');
      const min = col.min === null ? INT64_MIN : toBig(col.min);
      const max = col.max === null ? INT64_MAX : toBig(col.max);
      const limit = integerTypeLimit(col);
      if (n! < -limit || n! > limit) bad(`Value must be a valid range between ${numberFormat(-limit)} and ${numberFormat(limit)}`);
      if (n! < min || n! > max) bad(`Value must be a valid range between ${numberFormat(min)} and ${numberFormat(max)}`);
      return Number.isSafeInteger(Number(n)) && BigInt(Number(n)) === n ? Number(n) : n;
    }
    case 'float': {
      if (typeof value === 'bigint') return checkScalar(col, Number(value), where);
      if (typeof value !== 'number' || !Number.isFinite(value)) bad('Value must be a valid float');
      const v = value as number;
      if (v < -DOUBLE_MAX || v > DOUBLE_MAX) bad(`Value must be a valid range between ${numberFormat(-DOUBLE_MAX)} and ${numberFormat(DOUBLE_MAX)}`);
      const min = col.min === null ? -DOUBLE_MAX : Number(col.min);
      const max = col.max === null ? DOUBLE_MAX : Number(col.max);
      if (v < min || v > max) bad(`Value must be a valid range between ${numberFormat(min)} and ${numberFormat(max)}`);
      return v;
    }
    case 'boolean':
      if (typeof value !== 'boolean') bad('Value must be a valid boolean');
      return value;
    case 'datetime': {
      const ms = typeof value === 'string' ? parseDate(value) : null;
      if (ms === null || ms < MIN_DATE || ms > MAX_DATE) {
        bad('Value must be valid date between 0000-01-01 00:00:00 and 9999-12-31 23:59:59.');
      }
      return toAppwriteDate(ms!);
    }
    case 'text':
    case 'mediumtext':
    case 'longtext': {
      if (typeof value !== 'string') bad('Value must be a valid string');
      const size = col.size ?? 0;
      // Every UTF-16 unit is at least one UTF-8 byte: an over-long value is refused before encoding it.
      const tooLong = size > 0 && ((value as string).length > size || utf8.encode(value as string).length > size);
      if (tooLong) bad(`Value must be a valid string no longer than ${size} bytes`);
      return value;
    }
    default: {
      // string, varchar and the string formats
      if (typeof value !== 'string') bad(col.size ? `Value must be a valid string and no longer than ${col.size} chars` : 'Value must be a valid string');
      const v = value as string;
      if (col.size && !fitsChars(v, col.size)) bad(`Value must be a valid string and no longer than ${col.size} chars`);
      if (col.type === 'email' && !isValidEmail(v)) bad('Value must be a valid email address');
      if (col.type === 'ip' && !isValidIp(v)) bad('Value must be a valid IP address');
      if (col.type === 'url' && !isValidUrl(v)) bad('Value must be a valid URL');
      if (col.type === 'enum' && !(col.elements ?? []).includes(v)) bad(`Value must be one of (${(col.elements ?? []).join(', ')})`);
      return v;
    }
  }
}

/**
 * At most `size` code points, decided without walking a value far over the limit: a string holds
 * between length/2 and length code points, so only a value in between is counted.
 */
export function fitsChars(value: string, size: number): boolean {
  if (value.length <= size) return true;
  if (value.length > size * 2) return false;
  let count = 0;
  for (const _ of value) if (++count > size) return false;
  return true;
}

function checkValue(col: ColumnDef, value: unknown): unknown {
  if (value === null || value === undefined) return null; // required-ness is checked before
  if (!col.array) return checkScalar(col, value, col.key);
  if (Array.isArray(value) && value.length === 0) return [];
  if (!Array.isArray(value)) structure(`Attribute "${col.key}" must be an array`);
  return (value as unknown[]).map((child, i) => {
    if (child === null && !col.required) return null;
    return checkScalar(col, child, `${col.key}['${i}']`);
  });
}

/** Keys every request may carry that are not columns: set by the server (or, for keys, preserved dates). */
const SERVER_KEYS = new Set(['$id', '$permissions', '$sequence', '$databaseId', '$collection', '$tenant']);

export interface CheckedValues {
  /** Column key → normalised value, for the keys being written. */
  values: Map<string, unknown>;
  /** Dates an API key asked to preserve (Appwrite lets privileged callers set them). */
  createdAt?: string;
  updatedAt?: string;
}

/**
 * Validates `data` against the table as Appwrite does: required columns first, then unknown keys,
 * then each value's type and format. `create` fills defaults (a null with a default takes the
 * default, as Appwrite's encode does); `update` checks only the keys sent, refusing a null in a
 * required column. Failures are `row_invalid_structure` / `document_invalid_structure` (400)
 * with Appwrite's "Invalid document structure: …" message.
 */
export function checkRowData(
  table: TableDef,
  data: Record<string, unknown>,
  opts: { api: RowApi; mode: 'create' | 'update'; privileged: boolean },
): CheckedValues {
  try {
    const columns = new Map(table.columns.map((c) => [c.key, c]));
    const input: Record<string, unknown> = {};
    const out: CheckedValues = { values: new Map() };
    for (const [key, value] of Object.entries(data)) {
      if (SERVER_KEYS.has(key) || key === opts.api.parentKey) continue;
      if (key === '$createdAt' || key === '$updatedAt') {
        if (!opts.privileged || value === null || value === undefined) continue;
        const ms = typeof value === 'string' ? parseDate(value) : null;
        if (ms === null) structure(`Attribute "${key}" has invalid type. Value must be valid date between 0000-01-01 00:00:00 and 9999-12-31 23:59:59.`);
        out[key === '$createdAt' ? 'createdAt' : 'updatedAt'] = toAppwriteDate(ms!);
        continue;
      }
      input[key] = value;
    }
    if (opts.mode === 'create') {
      for (const col of table.columns) {
        if ((input[col.key] === undefined || input[col.key] === null) && col.default !== null && col.default !== undefined) {
          input[col.key] = col.default;
        }
      }
    }
    for (const col of table.columns) {
      const present = input[col.key] !== undefined && input[col.key] !== null;
      const checked = opts.mode === 'create' || col.key in input;
      if (col.required && checked && !present) structure(`Missing required attribute "${col.key}"`);
    }
    for (const key of Object.keys(input)) if (!columns.has(key)) structure(`Unknown attribute: "${key}"`);
    for (const [key, value] of Object.entries(input)) out.values.set(key, checkValue(columns.get(key)!, value));
    return out;
  } catch (e) {
    if (e instanceof StructureError) throw new ApiError(opts.api.errors.invalidStructure, `Invalid document structure: ${e.message}`);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Storage mapping

/** A JS value as a D1 parameter: arrays as JSON text, booleans as 0/1, big integers as text. */
export function toSqlValue(col: ColumnDef, value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (col.array) return stringifyJsonBig(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return value.toString();
  return value as string | number;
}

const SAFE = '9007199254740991';

/** The SELECT expression for a column: integers outside ±2^53 come back as text so they stay exact. */
export function selectExpr(col: ColumnDef, alias = ''): string {
  const ref = `${alias}"${col.sqlName}"`;
  if (!col.array && (col.type === 'integer' || col.type === 'bigint')) {
    return `CASE WHEN ${ref} BETWEEN -${SAFE} AND ${SAFE} THEN ${ref} ELSE CAST(${ref} AS TEXT) END AS "${col.sqlName}"`;
  }
  return `${ref} AS "${col.sqlName}"`;
}

/** A stored value the response model cannot show (e.g. a REAL left in an integer column by an older build). */
export class UndecodableValue extends Error {}

/**
 * A stored value back as the response model shows it (null arrays read as `[]`, as Appwrite
 * decodes them). A value that does not fit its column throws UndecodableValue; the row decoder
 * shows it as null, so one bad cell never fails a read.
 */
export function fromSqlValue(col: ColumnDef, raw: unknown): unknown {
  if (col.array) {
    if (raw === null || raw === undefined) return [];
    let parsed: unknown;
    try {
      parsed = parseJsonBig(String(raw));
    } catch {
      throw new UndecodableValue('array is not JSON');
    }
    if (!Array.isArray(parsed)) throw new UndecodableValue('array is not an array');
    return parsed;
  }
  if (raw === null || raw === undefined) return null;
  switch (col.type) {
    case 'boolean':
      return raw === 1 || raw === true || raw === '1';
    case 'integer':
    case 'bigint':
      if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw;
      if (typeof raw === 'string' && /^-?\d{1,19}$/.test(raw)) {
        const big = BigInt(raw);
        if (big >= INT64_MIN && big <= INT64_MAX) return big;
      }
      throw new UndecodableValue(`not an int64: ${String(raw).slice(0, 40)}`);
    case 'float': {
      const n = typeof raw === 'string' ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new UndecodableValue(`not a finite double: ${String(raw).slice(0, 40)}`);
      return n;
    }
    default:
      return raw;
  }
}

/** Deep equality for values as stored (used to tell a no-op update from a real one). */
export function sameValue(a: unknown, b: unknown): boolean {
  return stringifyJsonBig(a ?? null) === stringifyJsonBig(b ?? null);
}

/**
 * A D1 row holds at most 2 MB; production D1 fails a larger write outright, so Ledge refuses it
 * first, as a structure error that names the size. `encoded` is the row's column values as stored
 * (JSON), `permissions` its permission strings.
 */
export function assertRowFits(api: RowApi, encoded: string, permissions: readonly string[]): void {
  const bytes = utf8.encode(encoded).byteLength + utf8.encode(JSON.stringify(permissions)).byteLength;
  if (bytes > MAX_ROW_BYTES) {
    throw new ApiError(api.errors.invalidStructure, `Invalid document structure: the row is ${bytes} bytes; a row holds at most ${MAX_ROW_BYTES} bytes.`);
  }
}
