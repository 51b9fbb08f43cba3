import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Miniflare } from 'miniflare';

/**
 * Test-side eyes on the running Ledge's storage, served on loopback from the process that owns
 * the Miniflare instance (test files run in other processes): `GET /r2?prefix=` lists R2 keys,
 * `POST /d1` runs one read-only SELECT. Never part of the Worker.
 */
export async function startInspector(mf: Miniflare) {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let body: unknown;
      if (req.method === 'GET' && url.pathname === '/r2') {
        const r2 = (await mf.getR2Bucket('FILES')) as unknown as { list(o: object): Promise<{ objects: { key: string }[] }> };
        body = (await r2.list({ prefix: url.searchParams.get('prefix') ?? '', limit: 1000 })).objects.map((o) => o.key);
      } else if (req.method === 'POST' && url.pathname === '/d1') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const { sql, params } = JSON.parse(Buffer.concat(chunks).toString()) as { sql: string; params: unknown[] };
        if (!/^\s*SELECT\b/i.test(sql)) throw new Error('read-only: SELECT only');
        const db = await mf.getD1Database('DB');
        body = (await db.prepare(sql).bind(...params).all()).results;
      } else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
