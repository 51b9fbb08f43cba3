/** SQL text helpers shared by the compiler's parts. */

/** A trusted name as a quoted SQL identifier. */
export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Joins as a balanced tree so long and/or lists do not build a deep SQL expression. */
export function joinBalanced(parts: string[], op: 'AND' | 'OR'): string {
  if (parts.length === 1) return parts[0];
  if (parts.length <= 8) return `(${parts.join(` ${op} `)})`;
  const mid = Math.ceil(parts.length / 2);
  return `(${joinBalanced(parts.slice(0, mid), op)} ${op} ${joinBalanced(parts.slice(mid), op)})`;
}

