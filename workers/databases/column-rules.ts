/**
 * What a column may be. Two layers, as in Appwrite: request parameters that fail their type's
 * validator are `general_argument_invalid` (zod schemas below), and combinations that fail
 * Appwrite's column rules (min > max, default out of range or not among enum elements, default
 * on a required or array column) are the flavor's `*_value_invalid` / `*_default_unsupported`.
 */
import { z } from 'zod';
import { toAppwriteDate, parseDate } from '../lib/time';
import { toIntValue } from '../lib/json-big';
import { columnNoun, flavoredError, type Flavor } from './flavor';
import type { ColumnDef, ColumnType } from './types';
import { isValidDatetime, isValidEmail, isValidIp, isValidUrl } from './value-formats';

export const COLUMN_TYPES = [
  'string', 'varchar', 'text', 'mediumtext', 'longtext', 'integer', 'bigint', 'float', 'boolean',
  'datetime', 'email', 'ip', 'url', 'enum',
] as const satisfies readonly ColumnType[];

/**
 * D1 allows 100 columns per table; six are Ledge's own (`_seq`, `_uid`, `_createdAt`,
 * `_updatedAt`, `_permissions`, and `_read` on tables of layout 1 — one limit for every table).
 */
export const MAX_USER_COLUMNS = 100 - 6;
/** D1's row limit, reported as the table's `bytesMax`. */
export const MAX_ROW_BYTES = 2_000_000;

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
const STRING_MAX = 1_073_741_824;
const VARCHAR_MAX = 16_381;

/** Fixed sizes Appwrite gives the types whose size is not chosen. */
const FIXED_SIZE: Partial<Record<ColumnType, number>> = {
  text: 65_535, mediumtext: 16_777_215, longtext: 2_147_483_647, email: 254, ip: 39, url: 2000, enum: 255,
  integer: 8, bigint: 8, float: 0, boolean: 0, datetime: 0,
};

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,35}$/;
export const KEY_RULES =
  "Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char";

export const keyParam = z.string().regex(KEY, KEY_RULES);

/** Index orders, compared case-insensitively as Appwrite's WhiteList does (the SDK sends `asc`). */
export const orderParam = z.string().transform((v) => v.toUpperCase()).pipe(z.enum(['ASC', 'DESC']));

export const int64Param = z
  .custom<number | bigint>(
    (v) =>
      (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) &&
      BigInt(v as number | bigint) >= INT64_MIN && BigInt(v as number | bigint) <= INT64_MAX,
    { message: 'Value must be a valid integer' },
  )
  .transform((v) => toIntValue(v));

const floatParam = z.number().refine(Number.isFinite, 'Value must be a valid float');
const formatted = (check: (v: string) => boolean, message: string) => z.string().refine(check, message);

/** The `default` parameter's validator for each type (null always allowed: no default). */
const DEFAULTS: Record<ColumnType, z.ZodType> = {
  string: z.string(), varchar: z.string(), text: z.string(), mediumtext: z.string(), longtext: z.string(),
  enum: z.string(),
  integer: int64Param, bigint: int64Param, float: floatParam, boolean: z.boolean(),
  datetime: formatted(isValidDatetime, 'Value must be valid date in ISO 8601 format.'),
  email: formatted(isValidEmail, 'Value must be a valid email address'),
  ip: formatted(isValidIp, 'Value must be a valid IP address'),
  url: formatted(isValidUrl, 'Value must be a valid URL'),
};

const elementsParam = z.array(z.string().max(255)).max(100);
const sizeParam = (max: number) => z.number().int().min(1).max(max);

/** Body of `POST …/columns/<type>` (key included); also one inline column of createTable. */
export function createColumnSchema(type: ColumnType) {
  return z.object({
    key: keyParam,
    required: z.boolean(),
    default: DEFAULTS[type].nullish(),
    array: z.boolean().optional().default(false),
    size: type === 'string' ? sizeParam(STRING_MAX) : type === 'varchar' ? sizeParam(VARCHAR_MAX) : z.unknown().optional(),
    min: type === 'integer' || type === 'bigint' ? int64Param.nullish() : type === 'float' ? floatParam.nullish() : z.unknown().optional(),
    max: type === 'integer' || type === 'bigint' ? int64Param.nullish() : type === 'float' ? floatParam.nullish() : z.unknown().optional(),
    elements: type === 'enum' ? elementsParam : z.unknown().optional(),
    encrypt: z.boolean().optional().default(false),
  });
}

/** Body of `PATCH …/columns/<type>/<key>`: `required` and `default` are mandatory, as in Appwrite. */
export function updateColumnSchema(type: ColumnType) {
  return z.object({
    required: z.boolean(),
    default: DEFAULTS[type].nullable(),
    size: type === 'string' ? sizeParam(STRING_MAX).nullish() : type === 'varchar' ? sizeParam(VARCHAR_MAX).nullish() : z.unknown().optional(),
    min: type === 'integer' || type === 'bigint' ? int64Param.nullish() : type === 'float' ? floatParam.nullish() : z.unknown().optional(),
    max: type === 'integer' || type === 'bigint' ? int64Param.nullish() : type === 'float' ? floatParam.nullish() : z.unknown().optional(),
    elements: type === 'enum' ? elementsParam : z.unknown().optional(),
    newKey: keyParam.nullish(),
  });
}

/** A column as stored (every rule applied, every type-dependent field filled), before it gets its SQL name and times. */
export type ColumnSpec = Omit<ColumnDef, 'size' | 'sqlName' | 'status' | 'createdAt' | 'updatedAt'> & { size: number };

type Numeric = number | bigint;
const isIntType = (t: ColumnType) => t === 'integer' || t === 'bigint';

/** Utopia's Range description (PHP number_format: thousands commas, no decimals). */
function rangeText(min: Numeric, max: Numeric): string {
  const format = (n: Numeric) => (typeof n === 'bigint' ? n : Math.round(n)).toLocaleString('en-US');
  return `Value must be a valid range between ${format(min)} and ${format(max)}`;
}

/**
 * Applies Appwrite's column rules to parsed parameters. For an update the caller passes the
 * existing column's array flag and fills omitted bounds/size from it, as Appwrite does.
 */
export function checkColumn(
  flavor: Flavor,
  input: {
    key: string; type: ColumnType; required: boolean; array: boolean; default?: unknown;
    size?: unknown; min?: unknown; max?: unknown; elements?: unknown; encrypt?: boolean;
  },
): ColumnSpec {
  const { type } = input;
  const noun = columnNoun(flavor);
  const def = input.default ?? null;
  if (input.required && def !== null) {
    throw flavoredError(flavor, 'columnDefaultUnsupported', `Cannot set default value for required ${noun}`);
  }
  if (input.array && def !== null) {
    throw flavoredError(flavor, 'columnDefaultUnsupported', `Cannot set default value for array ${noun}s`);
  }
  const spec: ColumnSpec = {
    key: input.key, type, size: FIXED_SIZE[type] ?? (input.size as number), required: input.required,
    array: input.array, default: def, min: null, max: null, elements: null,
    encrypt: (type === 'string' || type === 'varchar' || type.endsWith('text')) && input.encrypt === true,
  };
  if (type === 'string' || type === 'varchar') {
    if (typeof def === 'string' && def.length > spec.size) {
      throw flavoredError(flavor, 'columnValueInvalid', `Value must be a valid string and at least 1 chars and no longer than ${spec.size} chars`);
    }
  }
  if (isIntType(type) || type === 'float') {
    const int = isIntType(type);
    const min = (input.min ?? (int ? toIntValue(INT64_MIN) : -Number.MAX_VALUE)) as Numeric;
    const max = (input.max ?? (int ? toIntValue(INT64_MAX) : Number.MAX_VALUE)) as Numeric;
    if (min > max) throw flavoredError(flavor, 'columnValueInvalid', 'Minimum value must be lesser than maximum value');
    if (def !== null && ((def as Numeric) < min || (def as Numeric) > max)) {
      throw flavoredError(flavor, 'columnValueInvalid', rangeText(min, max));
    }
    spec.min = min;
    spec.max = max;
  }
  if (type === 'enum') {
    const elements = input.elements as string[];
    if (elements.length === 0) throw flavoredError(flavor, 'columnValueInvalid', 'Enum elements must not be empty');
    if (elements.some((e) => e.length === 0)) throw flavoredError(flavor, 'columnValueInvalid', 'Each enum element must not be empty');
    if (def !== null && !elements.includes(def as string)) {
      throw flavoredError(flavor, 'columnValueInvalid', 'Default value not found in elements');
    }
    spec.elements = [...new Set(elements)];
  }
  if (type === 'datetime' && typeof def === 'string') spec.default = toAppwriteDate(parseDate(def)!);
  return spec;
}

/**
 * Types whose declared maximum is far beyond what an inline D1 row can hold (MariaDB keeps them
 * off-row; D1 cannot): they are bounded per write instead (rows-store.ts `assertRowFits`).
 */
const TEXT_FAMILY: ReadonlySet<ColumnType> = new Set(['text', 'mediumtext', 'longtext']);

/** The declared width of the columns D1 must be able to hold together in one row. */
export function boundedRowWidth(columns: readonly { type: ColumnType; size: number | null; array: boolean }[]): number {
  return columns.reduce((n, c) => n + (TEXT_FAMILY.has(c.type) && !c.array ? 0 : columnWidth(c)), 0);
}

/** A rough width of a row under this schema, for the table's `bytesUsed`. */
export function columnWidth(spec: { type: ColumnType; size: number | null; array: boolean }): number {
  if (spec.array) return 8;
  switch (spec.type) {
    case 'integer': case 'bigint': case 'float': return 8;
    case 'boolean': return 1;
    case 'datetime': return 29;
    default: return Math.min(spec.size ?? 0, MAX_ROW_BYTES);
  }
}
