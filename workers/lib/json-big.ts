/**
 * JSON that keeps int64 values exact. node-appwrite sends bodies through json-bigint, so a bigint
 * bound like 9007199254740993 arrives as a bare number literal that JSON.parse would round; and
 * Appwrite answers with int64 bounds (±9223372036854775807 by default) that must go out as
 * number literals too. Integers beyond ±2^53 become `bigint` here and are written back verbatim.
 */

type SourceContext = { source?: string };

/** JSON.parse, except integer literals outside the safe range become `bigint`. */
export function parseJsonBig(text: string): unknown {
  // The reviver's third argument (source text access) is in V8 and Node 22.
  return JSON.parse(text, function (this: unknown, _key: string, value: unknown, context?: SourceContext) {
    if (typeof value === 'number' && context?.source && !Number.isSafeInteger(value) && /^-?\d+$/.test(context.source)) {
      return BigInt(context.source);
    }
    return value;
  } as (key: string, value: unknown) => unknown);
}

const MARK = '\u0000bigint:';

/** JSON.stringify that writes `bigint` values as plain number literals. */
export function stringifyJsonBig(value: unknown): string {
  // Most bodies hold no bigint: plain JSON.stringify (no replacer call per value) refuses the rest.
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  const text = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${MARK}${v.toString()}` : v));
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}

/** A JSON response whose body may hold `bigint`s. */
export function jsonBig(value: unknown, status = 200): Response {
  return new Response(stringifyJsonBig(value), { status, headers: { 'Content-Type': 'application/json' } });
}

/** `bigint` when outside ±2^53, otherwise a number: the one shape int64 values take in memory. */
export function toIntValue(value: bigint | number): number | bigint {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}
