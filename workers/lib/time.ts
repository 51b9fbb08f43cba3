/**
 * Appwrite's datetime wire format: `YYYY-MM-DDTHH:mm:ss.SSS+00:00` (always UTC, millisecond precision).
 * Ledge stores times as this same string so that SQL comparisons and ordering work lexically.
 */
export function toAppwriteDate(ms: number | Date): string {
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.000Z
  return `${iso.slice(0, 23)}+00:00`;
}

export function nowDate(): string {
  return toAppwriteDate(Date.now());
}

/** Parses any ISO-8601 datetime an SDK may send; returns null when it is not one. */
export function parseDate(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(value)) return null;
  const ms = Date.parse(value.replace(' ', 'T'));
  return Number.isNaN(ms) ? null : ms;
}
