/**
 * The range a numeric column can hold, and increments/decrements that stay inside it. SQLite turns
 * an INTEGER that overflows int64 into a REAL and stores Infinity for a REAL that overflows, so a
 * step is range-checked in the UPDATE's own WHERE (atomic, no read-modify-write): a step that would
 * leave the column's type range, or pass the caller's bound, changes nothing.
 */
import type { ColumnDef } from './types';

export const INT32_MAX = 2147483647n;
export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;
export const DOUBLE_MAX = Number.MAX_VALUE;

/**
 * The largest magnitude an integer column holds. Appwrite sizes an integer column 8 bytes when its
 * max needs it (or it is a bigint column), else 4.
 */
export function integerTypeLimit(col: Pick<ColumnDef, 'type' | 'max'>): bigint {
  if (col.type === 'bigint') return INT64_MAX;
  const max = col.max === null ? INT64_MAX : typeof col.max === 'bigint' ? col.max : BigInt(Math.trunc(col.max));
  return max > INT32_MAX ? INT64_MAX : INT32_MAX;
}

export type StepDirection = 'increment' | 'decrement';

/** SQL pieces of one range-checked step of column `ref` (a quoted column name). */
export interface StepSql {
  /** The new value expression (`COALESCE(c, 0) + ?`). */
  set: string;
  setParams: (string | number)[];
  /** The condition the current value must meet for the step to apply. */
  where: string;
  whereParams: (string | number)[];
  /** The value the step may not pass, for the refusal message. */
  limit: bigint | number;
}

const floorBig = (n: number | bigint) => (typeof n === 'bigint' ? n : BigInt(Math.floor(n)));
const ceilBig = (n: number | bigint) => (typeof n === 'bigint' ? n : BigInt(Math.ceil(n)));

/**
 * A step of an integer column by `by` (> 0, an integer), bounded by the caller's `bound` (max for
 * an increment, min for a decrement) and by the type range. The check compares the current value
 * against a precomputed threshold, so the SQL never does arithmetic that could overflow; a value
 * stored as anything but an integer (a REAL left by an older build) is never stepped.
 */
export function integerStep(col: ColumnDef, ref: string, direction: StepDirection, by: bigint, bound: number | bigint | null): StepSql {
  const typeLimit = integerTypeLimit(col);
  const op = direction === 'increment' ? '+' : '-';
  const set = `COALESCE(${ref}, 0) ${op} CAST(? AS INTEGER)`;
  const typed = `typeof(${ref}) IN ('integer', 'null')`;
  if (direction === 'increment') {
    const limit = bound === null ? typeLimit : floorBig(bound) < typeLimit ? floorBig(bound) : typeLimit;
    const threshold = limit - by;
    if (threshold < INT64_MIN) return { set, setParams: [by.toString()], where: '0', whereParams: [], limit };
    return { set, setParams: [by.toString()], where: `${typed} AND COALESCE(${ref}, 0) <= CAST(? AS INTEGER)`, whereParams: [threshold.toString()], limit };
  }
  const limit = bound === null ? -typeLimit : ceilBig(bound) > -typeLimit ? ceilBig(bound) : -typeLimit;
  const threshold = limit + by;
  if (threshold > INT64_MAX) return { set, setParams: [by.toString()], where: '0', whereParams: [], limit };
  return { set, setParams: [by.toString()], where: `${typed} AND COALESCE(${ref}, 0) >= CAST(? AS INTEGER)`, whereParams: [threshold.toString()], limit };
}

/**
 * A step of a float column by `by` (finite, > 0). The new value must be finite and within the
 * caller's bound: SQLite computes Infinity on overflow, which fails the BETWEEN.
 */
export function floatStep(ref: string, direction: StepDirection, by: number, bound: number | bigint | null): StepSql {
  const op = direction === 'increment' ? '+' : '-';
  const set = `COALESCE(${ref}, 0) ${op} ?`;
  const b = bound === null ? null : Number(bound);
  const hi = direction === 'increment' && b !== null ? Math.min(b, DOUBLE_MAX) : DOUBLE_MAX;
  const lo = direction === 'decrement' && b !== null ? Math.max(b, -DOUBLE_MAX) : -DOUBLE_MAX;
  return {
    set,
    setParams: [by],
    where: `(COALESCE(${ref}, 0) ${op} ?) BETWEEN ? AND ?`,
    whereParams: [by, lo, hi],
    limit: direction === 'increment' ? hi : lo,
  };
}
