/**
 * Appwrite's atomic update operators (the SDKs' `Operator.increment(…)` and friends). An SDK sends
 * each as a JSON *string* in place of the column's value — `{"method":"increment","values":[1,10]}`
 * — so a string in update data that parses to exactly `{method, values}` with a known method is an
 * operator, as Appwrite reads it. This file recognises them and checks each against its column
 * (types, argument counts, element values) with Appwrite's structure errors; `sql.ts` turns them
 * into SQL that runs inside the row's own UPDATE.
 */
import { ApiError } from '../../lib/errors';
import { parseJsonBig } from '../../lib/json-big';
import { checkRowData, type RowApi } from '../row-values';
import type { ColumnDef, TableDef } from '../types';

export const NUMERIC_OPERATORS = ['increment', 'decrement', 'multiply', 'divide', 'modulo', 'power'] as const;
export const ARRAY_OPERATORS = [
  'arrayAppend', 'arrayPrepend', 'arrayInsert', 'arrayRemove', 'arrayUnique', 'arrayIntersect', 'arrayDiff', 'arrayFilter',
] as const;
export const OTHER_OPERATORS = ['stringConcat', 'stringReplace', 'toggle', 'dateAddDays', 'dateSubDays', 'dateSetNow'] as const;
export type OperatorMethod = (typeof NUMERIC_OPERATORS | typeof ARRAY_OPERATORS | typeof OTHER_OPERATORS)[number];
const METHODS = new Set<string>([...NUMERIC_OPERATORS, ...ARRAY_OPERATORS, ...OTHER_OPERATORS]);

/** `arrayFilter` conditions (the SDK's `Condition` enum). */
export const FILTER_CONDITIONS = ['equal', 'notEqual', 'greaterThan', 'greaterThanEqual', 'lessThan', 'lessThanEqual', 'contains', 'isNull', 'isNotNull'] as const;
export type FilterCondition = (typeof FILTER_CONDITIONS)[number];

export type OperatorUse =
  | { kind: 'numeric'; col: ColumnDef; method: (typeof NUMERIC_OPERATORS)[number]; by: number | bigint; bound: number | bigint | null }
  /** Elements already checked against the column (normalised as stored). */
  | { kind: 'elements'; col: ColumnDef; method: 'arrayAppend' | 'arrayPrepend' | 'arrayIntersect' | 'arrayDiff' | 'arrayRemove'; elements: unknown[] }
  | { kind: 'insert'; col: ColumnDef; index: number; element: unknown }
  | { kind: 'unique'; col: ColumnDef }
  | { kind: 'filter'; col: ColumnDef; condition: FilterCondition; value: unknown }
  | { kind: 'concat'; col: ColumnDef; value: string }
  | { kind: 'replace'; col: ColumnDef; search: string; replace: string }
  | { kind: 'toggle'; col: ColumnDef }
  | { kind: 'days'; col: ColumnDef; days: number }
  | { kind: 'now'; col: ColumnDef };

/** The operator a data value encodes, or null when it is a plain value. */
export function operatorOf(value: unknown): { method: OperatorMethod; values: unknown[] } | null {
  if (typeof value !== 'string' || !value.startsWith('{') || !value.includes('"method"')) return null;
  let parsed: unknown;
  try {
    parsed = parseJsonBig(value);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const { method, values, ...rest } = parsed as Record<string, unknown>;
  if (typeof method !== 'string' || !METHODS.has(method) || Object.keys(rest).length > 0) return null;
  if (values !== undefined && !Array.isArray(values)) return null;
  return { method: method as OperatorMethod, values: (values as unknown[] | undefined) ?? [] };
}

/** Splits update data into plain values and checked operator uses. */
export function splitOperators(table: TableDef, api: RowApi, data: Record<string, unknown>): { plain: Record<string, unknown>; ops: OperatorUse[] } {
  const plain: Record<string, unknown> = {};
  const ops: OperatorUse[] = [];
  for (const [key, value] of Object.entries(data)) {
    const op = operatorOf(value);
    if (!op) {
      plain[key] = value;
      continue;
    }
    const col = table.columns.find((c) => c.key === key);
    if (!col) throw invalid(api, `Unknown attribute: "${key}"`);
    ops.push(checkOperator(table, api, col, op.method, op.values));
  }
  return { plain, ops };
}

function invalid(api: RowApi, why: string): ApiError {
  return new ApiError(api.errors.invalidStructure, `Invalid document structure: ${why}`);
}

const isNumber = (v: unknown): v is number | bigint => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'bigint';
const STRING_TYPES = new Set(['string', 'varchar', 'text', 'mediumtext', 'longtext']);

/** Elements checked against the array column `col`, as its stored values. */
function elementsFor(table: TableDef, api: RowApi, col: ColumnDef, elements: unknown[]): unknown[] {
  const checked = checkRowData(table, { [col.key]: elements }, { api, mode: 'update', privileged: true });
  return (checked.values.get(col.key) as unknown[] | null) ?? [];
}

function checkOperator(table: TableDef, api: RowApi, col: ColumnDef, method: OperatorMethod, values: unknown[]): OperatorUse {
  const where = `Attribute "${col.key}"`;
  const wrongType = (what: string) => invalid(api, `${where}: operator ${method} needs ${what}`);
  const arity = (min: number, max: number) => {
    if (values.length < min || values.length > max) throw invalid(api, `${where}: operator ${method} takes ${min === max ? min : `${min} to ${max}`} values`);
  };
  if ((NUMERIC_OPERATORS as readonly string[]).includes(method)) {
    if (col.array || !['integer', 'bigint', 'float'].includes(col.type)) throw wrongType('a numeric column');
    arity(1, method === 'modulo' ? 1 : 2);
    const [by, bound = null] = values;
    if (!isNumber(by) || (bound !== null && !isNumber(bound))) throw invalid(api, `${where}: operator ${method} values must be finite numbers`);
    if (col.type !== 'float' && typeof by === 'number' && !Number.isInteger(by) && method !== 'power') {
      throw invalid(api, `${where}: Value must be an integer for an integer column`);
    }
    if ((method === 'divide' || method === 'modulo') && Number(by) === 0) throw invalid(api, `${where}: operator ${method} cannot divide by zero`);
    return { kind: 'numeric', col, method: method as (typeof NUMERIC_OPERATORS)[number], by, bound: bound as number | bigint | null };
  }
  if ((ARRAY_OPERATORS as readonly string[]).includes(method)) {
    if (!col.array) throw wrongType('an array column');
    switch (method) {
      case 'arrayUnique':
        arity(0, 0);
        return { kind: 'unique', col };
      case 'arrayInsert': {
        arity(2, 2);
        const [index, element] = values;
        if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) throw invalid(api, `${where}: operator arrayInsert needs a non-negative integer index`);
        return { kind: 'insert', col, index, element: elementsFor(table, api, col, [element])[0] };
      }
      case 'arrayRemove':
        arity(1, 1);
        return { kind: 'elements', col, method, elements: values[0] === null ? [null] : elementsFor(table, api, col, [values[0]]) };
      case 'arrayFilter': {
        arity(1, 2);
        const [condition, value = null] = values;
        if (typeof condition !== 'string' || !(FILTER_CONDITIONS as readonly string[]).includes(condition)) {
          throw invalid(api, `${where}: operator arrayFilter needs one of (${FILTER_CONDITIONS.join(', ')})`);
        }
        if (value !== null && typeof value !== 'string' && !isNumber(value) && typeof value !== 'boolean') throw invalid(api, `${where}: arrayFilter value must be a scalar`);
        return { kind: 'filter', col, condition: condition as FilterCondition, value };
      }
      default:
        return { kind: 'elements', col, method: method as 'arrayAppend', elements: elementsFor(table, api, col, values) };
    }
  }
  switch (method) {
    case 'stringConcat':
      arity(1, 1);
      if (col.array) return { kind: 'elements', col, method: 'arrayAppend', elements: elementsFor(table, api, col, values) };
      if (!STRING_TYPES.has(col.type)) throw wrongType('a string column');
      if (typeof values[0] !== 'string') throw invalid(api, `${where}: operator stringConcat needs a string`);
      return { kind: 'concat', col, value: values[0] };
    case 'stringReplace':
      arity(2, 2);
      if (col.array || !STRING_TYPES.has(col.type)) throw wrongType('a string column');
      if (typeof values[0] !== 'string' || typeof values[1] !== 'string' || values[0] === '') throw invalid(api, `${where}: operator stringReplace needs a non-empty search string and a replacement string`);
      return { kind: 'replace', col, search: values[0], replace: values[1] };
    case 'toggle':
      arity(0, 0);
      if (col.array || col.type !== 'boolean') throw wrongType('a boolean column');
      return { kind: 'toggle', col };
    case 'dateSetNow':
      arity(0, 0);
      if (col.array || col.type !== 'datetime') throw wrongType('a datetime column');
      return { kind: 'now', col };
    default: {
      arity(1, 1);
      if (col.array || col.type !== 'datetime') throw wrongType('a datetime column');
      const days = values[0];
      if (typeof days !== 'number' || !Number.isInteger(days)) throw invalid(api, `${where}: operator ${method} needs an integer number of days`);
      return { kind: 'days', col, days: method === 'dateSubDays' ? -days : days };
    }
  }
}
