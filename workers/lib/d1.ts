/**
 * D1 reports constraint failures only as text ("UNIQUE constraint failed: users.email"), and
 * drizzle wraps it as the `cause` of its own "Failed query" error. The text of a UNIQUE violation
 * (naming `table.column`, so callers can tell which one), or null for any other error.
 */
export function uniqueViolationText(err: unknown): string | null {
  let text = '';
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    text += ` ${e instanceof Error ? e.message : String(e)}`;
  }
  return text.includes('UNIQUE constraint failed') ? text : null;
}
