/**
 * Text matching (prefix, suffix, substring) with SQLite's LIKE semantics — ASCII case folded —
 * within D1's limit on LIKE patterns: D1 refuses a pattern over 50 bytes ("LIKE or GLOB pattern
 * too complex"), which local SQLite accepts. A value whose pattern fits uses LIKE; a longer one is
 * compiled to `instr`/`substr` over `lower()`, which fold case the same way (ASCII only). This is
 * the one place Ledge writes LIKE; a production guard test keeps it that way.
 */

/** D1's SQLITE_LIMIT_LIKE_PATTERN_LENGTH, in bytes. */
export const LIKE_PATTERN_MAX_BYTES = 50;

export type TextMatch = 'prefix' | 'suffix' | 'contains';

const utf8 = new TextEncoder();

/** LIKE pattern text for a literal: `\` escapes itself, `%` and `_` (paired with ESCAPE '\'). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function likePattern(value: string, match: TextMatch): string {
  const text = escapeLike(value);
  return match === 'prefix' ? `${text}%` : match === 'suffix' ? `%${text}` : `%${text}%`;
}

/** Would D1 accept this LIKE pattern? Only long strings are encoded: a pattern of few UTF-16 units is short in bytes too. */
export function likeFits(pattern: string): boolean {
  if (pattern.length * 3 <= LIKE_PATTERN_MAX_BYTES) return true;
  return pattern.length <= LIKE_PATTERN_MAX_BYTES && utf8.encode(pattern).length <= LIKE_PATTERN_MAX_BYTES;
}

/**
 * `column` matches `value` as a prefix, suffix or substring (or, with `negate`, does not); a NULL
 * column matches neither form, as with LIKE. `bind` turns a value into its SQL parameter
 * expression and is called exactly once.
 */
export function textMatchSql(column: string, value: string, match: TextMatch, negate: boolean, bind: (v: string) => string): string {
  const not = negate ? 'NOT ' : '';
  const pattern = likePattern(value, match);
  if (likeFits(pattern)) return `${column} ${not}LIKE ${bind(pattern)} ESCAPE '\\'`;
  const v = bind(value);
  switch (match) {
    case 'prefix':
      return `${not}(instr(lower(${column}), lower(${v})) = 1)`;
    case 'contains':
      return `${not}(instr(lower(${column}), lower(${v})) > 0)`;
    case 'suffix':
      // The value is used twice, so it is bound once in a scalar subquery (NULL for a NULL column).
      return `${not}(SELECT lower(substr(${column}, -length(_v))) = lower(_v) FROM (SELECT ${v} AS _v))`;
  }
}

/**
 * `column` contains any of the values listed by `listSql` (a `json_each(…)` whose `value`s are
 * the raw values): LIKE when every pattern fits, `instr` otherwise.
 */
export function containsAnySql(column: string, values: string[], listSql: (vs: string[]) => string): string {
  const patterns = values.map((v) => likePattern(v, 'contains'));
  if (patterns.every(likeFits)) return `EXISTS (SELECT 1 FROM ${listSql(patterns)} AS _p WHERE ${column} LIKE _p.value ESCAPE '\\')`;
  return `EXISTS (SELECT 1 FROM ${listSql(values)} AS _p WHERE instr(lower(${column}), lower(_p.value)) > 0)`;
}
