/**
 * Operators as SQL. Each operator becomes the new value's expression over the stored value (the
 * UPDATE's `SET`) and a condition the result must meet (the column's type range, its min/max,
 * its size, an insert index within the array). Both run in the write's own batch — the condition
 * in a guard statement just before the UPDATE (`guard.ts`) — so the value is never read into JS
 * and written back: concurrent operators on one row all land.
 *
 * Arrays are JSON text: an array operator rebuilds the array with `json_each` … `json_group_array`
 * in element order; booleans come back from `json_each` as 1/0 and are turned back into JSON.
 */
import { stringifyJsonBig } from '../../lib/json-big';
import { MAX_ROW_BYTES } from '../column-rules';
import { DOUBLE_MAX, INT64_MAX, integerTypeLimit } from '../numeric-range';
import type { ColumnDef } from '../types';
import type { OperatorUse } from './parse';

/** Numbered parameters from `start` (`?N`), so operator SQL can follow a statement's own. */
export class Params {
  readonly values: (string | number | null)[] = [];
  constructor(private readonly start: number) {}

  /** A raw bound value. */
  raw(value: string | number | null): string {
    this.values.push(value);
    return `?${this.start + this.values.length - 1}`;
  }

  /**
   * The values `sql` refers to: a statement that uses only some operators' parts (the UPDATE uses
   * the new values, not the checks) must not bind trailing parameters it never names (D1 refuses).
   */
  usedBy(sql: string): (string | number | null)[] {
    let max = 0;
    for (const m of sql.matchAll(/\?(\d+)/g)) max = Math.max(max, Number(m[1]));
    return this.values.slice(0, Math.max(0, max - this.start + 1));
  }

  /** Any JSON value, read back with its SQL type (integers beyond 2^53 stay exact). */
  json(value: unknown): string {
    return `json_extract(${this.raw(stringifyJsonBig([value ?? null]))}, '$[0]')`;
  }
}

export interface OperatorSql {
  col: ColumnDef;
  /** The new value. */
  set: string;
  /** What the new value must satisfy (over the stored value, before the write). */
  check: string;
  /** Appwrite's wording of a refusal of `check`. */
  refusal: string;
}

const q = (name: string) => `"${name}"`;
const ELEMENT = `CASE type WHEN 'true' THEN json('true') WHEN 'false' THEN json('false') ELSE value END`;

function rebuild(rowsSql: string): string {
  return `(SELECT json_group_array(${ELEMENT}) FROM (${rowsSql}))`;
}

function numeric(use: Extract<OperatorUse, { kind: 'numeric' }>, ref: string, p: Params): OperatorSql {
  const { col, method, by, bound } = use;
  const integer = col.type !== 'float';
  const cur = `COALESCE(${ref}, 0)`;
  const v = p.json(by);
  const raw = {
    increment: `${cur} + ${v}`,
    decrement: `${cur} - ${v}`,
    multiply: `${cur} * ${v}`,
    divide: integer ? `${cur} / ${v}` : `${cur} / CAST(${v} AS REAL)`,
    modulo: integer ? `${cur} % ${v}` : `mod(${cur}, ${v})`,
    power: `pow(${cur}, ${v})`,
  }[method];
  // The optional bound caps the result (`max` for increment/multiply/power, `min` for decrement/divide).
  const capped = bound === null ? raw : ['decrement', 'divide'].includes(method) ? `MAX(${raw}, ${p.json(bound)})` : `MIN(${raw}, ${p.json(bound)})`;
  const limit = integer ? integerTypeLimit(col) : null;
  const lo = col.min ?? (integer ? -limit! : -DOUBLE_MAX);
  const hi = col.max ?? (integer ? limit! : DOUBLE_MAX);
  if (!integer) {
    return {
      col, set: capped, check: `(${capped}) BETWEEN ${p.json(lo)} AND ${p.json(hi)}`,
      refusal: `Attribute "${col.key}" has invalid format. Value must be a valid range between ${lo} and ${hi}`,
    };
  }
  // SQLite turns an int64 overflow into a REAL: the result must still be an integer, in range.
  const set = method === 'power' ? `CAST(${capped} AS INTEGER)` : capped;
  const inRange = method === 'power' ? `(${capped}) BETWEEN -${p.json(INT64_MAX)} AND ${p.json(INT64_MAX)}` : `typeof(${capped}) = 'integer'`;
  return {
    col, set, check: `${inRange} AND (${set}) BETWEEN ${p.json(lo)} AND ${p.json(hi)}`,
    refusal: `Attribute "${col.key}" has invalid format. Value must be a valid range between ${lo} and ${hi}`,
  };
}

const arrayRefusal = (col: ColumnDef) => `Attribute "${col.key}" would hold more than ${MAX_ROW_BYTES} bytes`;
const fitsRow = (expr: string) => `length(CAST(${expr} AS BLOB)) <= ${MAX_ROW_BYTES}`;

function array(use: OperatorUse, ref: string, p: Params): OperatorSql {
  const { col } = use;
  const cur = `COALESCE(${ref}, '[]')`;
  const mine = `SELECT key AS k, type, value FROM json_each(${cur})`;
  let set: string;
  let check = 'true';
  let refusal = arrayRefusal(col);
  switch (use.kind) {
    case 'elements': {
      const given = p.raw(stringifyJsonBig(use.elements));
      if (use.method === 'arrayAppend' || use.method === 'arrayPrepend') {
        const [a, b] = use.method === 'arrayAppend' ? [0, 1] : [1, 0];
        set = rebuild(`SELECT type, value FROM (SELECT ${a} AS s, key AS k, type, value FROM json_each(${cur}) UNION ALL SELECT ${b}, key, type, value FROM json_each(${given})) ORDER BY s, k`);
      } else {
        const keep = use.method === 'arrayIntersect' ? 'EXISTS' : 'NOT EXISTS';
        set = rebuild(`SELECT type, value FROM (${mine}) AS m WHERE ${keep} (SELECT 1 FROM json_each(${given}) AS x WHERE x.value IS m.value) ORDER BY k`);
      }
      break;
    }
    case 'insert': {
      const at = p.raw(use.index);
      const given = p.raw(stringifyJsonBig([use.element]));
      set = rebuild(`SELECT type, value FROM (SELECT CASE WHEN key < ${at} THEN key ELSE key + 1 END AS o, type, value FROM json_each(${cur}) UNION ALL SELECT ${at}, type, value FROM json_each(${given})) ORDER BY o`);
      check = `${at} <= json_array_length(${cur})`;
      refusal = `Attribute "${col.key}": index ${use.index} is out of bounds`;
      break;
    }
    case 'unique':
      set = rebuild(`SELECT type, value FROM (${mine}) AS m WHERE NOT EXISTS (SELECT 1 FROM json_each(${cur}) AS e WHERE e.key < m.k AND e.value IS m.value) ORDER BY k`);
      break;
    case 'filter': {
      const v = use.value === null ? 'NULL' : p.json(use.value);
      const keep = {
        equal: `value IS ${v}`,
        notEqual: `value IS NOT ${v}`,
        greaterThan: `value > ${v}`,
        greaterThanEqual: `value >= ${v}`,
        lessThan: `value < ${v}`,
        lessThanEqual: `value <= ${v}`,
        contains: `instr(value, ${v}) > 0`,
        isNull: 'value IS NULL',
        isNotNull: 'value IS NOT NULL',
      }[use.condition];
      set = rebuild(`SELECT type, value FROM (${mine}) WHERE ${keep} ORDER BY k`);
      break;
    }
    default:
      throw new Error(`not an array operator: ${use.kind}`);
  }
  return { col, set, check: `${check} AND ${fitsRow(set)}`, refusal };
}

const DATE_FORMAT = `'%Y-%m-%dT%H:%M:%f+00:00'`;

/** The SQL of one checked operator on the column it names. */
export function operatorSql(use: OperatorUse, p: Params, now: string): OperatorSql {
  const { col } = use;
  const ref = q(col.sqlName);
  switch (use.kind) {
    case 'numeric':
      return numeric(use, ref, p);
    case 'concat':
    case 'replace': {
      const set = use.kind === 'concat' ? `COALESCE(${ref}, '') || ${p.raw(use.value)}` : `replace(${ref}, ${p.raw(use.search)}, ${p.raw(use.replace)})`;
      const size = col.size ?? MAX_ROW_BYTES;
      const check = ['text', 'mediumtext', 'longtext'].includes(col.type) ? `length(CAST(${set} AS BLOB)) <= ${size}` : `length(${set}) <= ${size}`;
      return { col, set, check: `(${set}) IS NULL OR ${check}`, refusal: `Attribute "${col.key}" has invalid type. Value must be a valid string and no longer than ${size} chars` };
    }
    case 'toggle':
      return { col, set: `CASE WHEN ${ref} = 1 THEN 0 ELSE 1 END`, check: 'true', refusal: '' };
    case 'days': {
      const set = `strftime(${DATE_FORMAT}, ${ref}, ${p.raw(`${use.days >= 0 ? '+' : ''}${use.days} days`)})`;
      return {
        col, set, check: `${ref} IS NULL OR (${set}) IS NOT NULL`,
        refusal: `Attribute "${col.key}" has invalid format. Value must be valid date between 0000-01-01 00:00:00 and 9999-12-31 23:59:59.`,
      };
    }
    case 'now':
      return { col, set: p.raw(now), check: 'true', refusal: '' };
    default:
      return array(use, ref, p);
  }
}
