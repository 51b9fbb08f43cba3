import { inject } from 'vitest';

/** What the running Ledge has stored, read through the inspector (e2e/support/inspector.ts). */
export async function storedState() {
  const base = inject('inspect');
  const select = async <T>(sql: string, params: unknown[]): Promise<T[]> => {
    const res = await fetch(`${base}/d1`, { method: 'POST', body: JSON.stringify({ sql, params }) });
    if (!res.ok) throw new Error(`inspector: ${await res.text()}`);
    return (await res.json()) as T[];
  };
  return {
    async r2Keys(prefix: string): Promise<string[]> {
      const res = await fetch(`${base}/r2?prefix=${encodeURIComponent(prefix)}`);
      if (!res.ok) throw new Error(`inspector: ${await res.text()}`);
      return (await res.json()) as string[];
    },
    async bucketPrefix(bucketId: string): Promise<string> {
      const [row] = await select<{ seq: number }>('SELECT seq FROM buckets WHERE id = ?', [bucketId]);
      return `${row.seq}/`;
    },
    fileRows: (bucketId: string) => select<{ id: string; r2_key: string }>('SELECT id, r2_key FROM files WHERE bucket_id = ? ORDER BY id', [bucketId]),
    dispose: async () => {},
  };
}
