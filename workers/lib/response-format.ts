/** `X-Appwrite-Response-Format`: which model version the caller speaks (set per request by middleware/project.ts). */

/** Compares dotted versions: is the caller's response format at least `version`? */
export function formatAtLeast(format: string, version: string): boolean {
  const a = format.split('.').map(Number);
  const b = version.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}
