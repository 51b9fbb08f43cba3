// The bare baseline: each route does only the platform operation a Ledge workload is built on,
// with no routing framework, validation, auth or response shaping. It runs in the same Miniflare
// instance (same workerd) as Ledge and binds the same D1 database and R2 bucket, so row workloads
// read and write the very tables Ledge created. Reached under http://127.0.0.1:<port>/baseline/*.
import { DurableObject } from 'cloudflare:workers';

/** SQL identifiers of the Ledge tables under test, posted once by the runner after setup. */
let config = null;
/** Prepared statement text per workload, built from `config` once. */
let sql = null;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function configure(next) {
  config = { ...config, ...next };
  for (const name of [config.rowTable, config.statusColumn, config.scoreColumn, config.insertTable, config.rangeTable, config.priorityColumn, config.relPostTable, config.relAuthorTable, config.relLinkTable, ...(config.insertColumns ?? [])]) {
    if (name !== undefined && !IDENT.test(name)) throw new Error(`bad identifier ${name}`);
  }
  next = config;
  if (next.batchTable) {
    if (!IDENT.test(next.batchTable) || !next.batchColumns.every((c) => IDENT.test(c))) throw new Error('bad batch identifiers');
    next.batchInsert = `INSERT INTO "${next.batchTable}" (${next.batchColumns.map((c) => `"${c}"`).join(', ')}) VALUES (${next.batchColumns.map(() => '?').join(', ')})`;
  }
  sql = {
    point: next.rowTable ? `SELECT * FROM "${next.rowTable}" WHERE "_uid" = ?` : null,
    list: next.rowTable && next.statusColumn
      ? `SELECT * FROM "${next.rowTable}" WHERE "${next.statusColumn}" = ? ORDER BY "${next.scoreColumn}" DESC LIMIT 25`
      : null,
    // The range workload: a range filter and an order on the same column, one ascending index.
    range: next.rangeTable
      ? {
          desc: `SELECT * FROM "${next.rangeTable}" WHERE "${next.priorityColumn}" > ? ORDER BY "${next.priorityColumn}" DESC LIMIT 25`,
          asc: `SELECT * FROM "${next.rangeTable}" WHERE "${next.priorityColumn}" > ? ORDER BY "${next.priorityColumn}" ASC LIMIT 25`,
        }
      : null,
    // The relations workload: a post and its author through the link table, in one statement.
    postWithAuthor: next.relPostTable
      ? `SELECT p.*, json_object('_uid', a._uid, 'name', a.c_name, '_permissions', a._permissions) AS author FROM "${next.relPostTable}" p LEFT JOIN "${next.relLinkTable}" l ON l.p = p._uid LEFT JOIN "${next.relAuthorTable}" a ON a._uid = l.c WHERE p._uid = ?`
      : null,
    insert: next.insertTable
      ? `INSERT INTO "${next.insertTable}" (${next.insertColumns.map((c) => `"${c}"`).join(', ')}) VALUES (${next.insertColumns.map(() => '?').join(', ')})`
      : null,
  };
}

function need(statement) {
  if (!statement) throw new Error('baseline not configured for this workload');
  return statement;
}

/** D1's rows read/written of the request's statements, reported like Ledge's `X-Ledge-D1-Rows` when asked. */
let usage = null;
function count(...results) {
  for (const r of results) {
    if (!usage) continue;
    usage.read += r.meta?.rows_read ?? 0;
    usage.written += r.meta?.rows_written ?? 0;
    usage.queries += 1;
  }
  return results.length === 1 ? results[0] : results;
}

const json = (value, status = 200) => {
  const headers = { 'content-type': 'application/json' };
  if (usage) headers['x-ledge-d1-rows'] = `read=${usage.read}; written=${usage.written}; queries=${usage.queries}`;
  return new Response(JSON.stringify(value), { status, headers });
};

/** Trivial function source for Worker Loader calls; `id` varies to force a cold isolate. */
const FUNCTION_SOURCE = 'export default { fetch(request) { return new Response("ok") } }';

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const path = url.pathname.slice('/baseline'.length);
    // Requests are handled one at a time per isolate here only when metered (the runner sends those sequentially).
    usage = request.headers.has('x-ledge-d1-meter') ? { read: 0, written: 0, queries: 0 } : null;
    switch (`${request.method} ${path}`) {
      case 'GET /ping':
        return new Response('Pong!');

      case 'POST /configure':
        configure(await request.json());
        return json({ ok: true });

      // account.get: the session row and its user row, in one D1 round trip (the session cookie
      // carries the user id, so neither read waits for the other).
      case 'GET /account': {
        const [session, user] = count(...await env.DB.batch([
          env.DB.prepare('SELECT * FROM sessions WHERE id = ? AND user_id = ?').bind(url.searchParams.get('session'), url.searchParams.get('user')),
          env.DB.prepare('SELECT * FROM users WHERE id = ?').bind(url.searchParams.get('user')),
        ]));
        if (!session.results[0] || !user.results[0]) return json({ error: 'no session' }, 401);
        return json(user.results[0]);
      }

      // Sign-in without the password check: read the JSON body, answer 201.
      case 'POST /signin': {
        const { email } = await request.json();
        return json({ email, created: true }, 201);
      }

      case 'GET /row': {
        // all() rather than first(): the same single-row read, with D1's meta.
        const row = count(await env.DB.prepare(need(sql?.point)).bind(url.searchParams.get('id')).all()).results[0];
        return row ? json(row) : json({ error: 'not found' }, 404);
      }

      case 'GET /list': {
        const { results } = count(await env.DB.prepare(need(sql?.list)).bind(url.searchParams.get('status')).all());
        return json({ total: results.length, rows: results });
      }

      case 'GET /range': {
        const statement = need(sql?.range)[url.searchParams.get('dir') === 'asc' ? 'asc' : 'desc'];
        const { results } = count(await env.DB.prepare(statement).bind(Number(url.searchParams.get('min'))).all());
        return json({ total: results.length, rows: results });
      }

      case 'GET /post-with-author': {
        const row = count(await env.DB.prepare(need(sql?.postWithAuthor)).bind(url.searchParams.get('id')).all()).results[0];
        return row ? json({ ...row, author: JSON.parse(row.author) }) : json({ error: 'not found' }, 404);
      }

      case 'POST /rows': {
        const data = await request.json();
        const values = config.insertColumns.map((c) => (c === '_uid' ? crypto.randomUUID() : data[c] ?? null));
        count(await env.DB.prepare(need(sql?.insert)).bind(...values).run());
        return json({ ok: true }, 201);
      }

      // The transaction workload: the same N inserts a commit applies, as one bare batch.
      case 'POST /batch': {
        const data = await request.json();
        const n = Math.min(Number(url.searchParams.get('n') ?? 10), 100);
        const statement = env.DB.prepare(need(config.batchInsert));
        const statements = Array.from({ length: n }, (_, i) =>
          statement.bind(...config.batchColumns.map((c) => (c === '_uid' ? crypto.randomUUID() : c === 'c_n' ? i : data[c] ?? null))),
        );
        count(...(await env.DB.batch(statements)));
        return json({ ok: true, n });
      }

      // R2: one put of the whole (streamed) body, and one get.
      case 'PUT /r2': {
        const key = url.searchParams.get('key') ?? crypto.randomUUID();
        const object = await env.FILES.put(`baseline/${key}`, request.body);
        return json({ key, size: object.size }, 201);
      }
      case 'GET /r2': {
        const object = await env.FILES.get(`baseline/${url.searchParams.get('key')}`);
        if (!object) return json({ error: 'not found' }, 404);
        return new Response(object.body, { headers: { 'content-type': 'application/octet-stream' } });
      }

      // R2 multipart, the platform operation behind Appwrite's 5 MiB chunked upload.
      case 'POST /r2/mpu': {
        const upload = await env.FILES.createMultipartUpload(`baseline/${url.searchParams.get('key')}`);
        return json({ uploadId: upload.uploadId });
      }
      case 'PUT /r2/mpu': {
        const upload = env.FILES.resumeMultipartUpload(`baseline/${url.searchParams.get('key')}`, url.searchParams.get('uploadId'));
        const part = await upload.uploadPart(Number(url.searchParams.get('part')), request.body);
        return json(part);
      }
      case 'POST /r2/mpu/complete': {
        const upload = env.FILES.resumeMultipartUpload(`baseline/${url.searchParams.get('key')}`, url.searchParams.get('uploadId'));
        const object = await upload.complete(await request.json());
        return json({ size: object.size }, 201);
      }

      // Durable Object RPC round trip, WebSocket accept, and broadcast to every socket of a hub.
      case 'GET /do':
        return json(await hub(env).echo(url.searchParams.get('v') ?? ''));
      case 'GET /ws':
        return hub(env).fetch(request);
      case 'POST /broadcast':
        return json({ sent: await hub(env).broadcast(await request.text()) });

      // Worker Loader: load (or reuse) an isolate by id and call it.
      case 'POST /loader': {
        const id = url.searchParams.get('id') ?? 'warm';
        const worker = env.LOADER.get(id, async () => ({
          compatibilityDate: '2026-11-01',
          mainModule: 'index.js',
          modules: { 'index.js': FUNCTION_SOURCE },
          env: {},
          globalOutbound: null,
        }));
        const response = await worker.getEntrypoint().fetch(new Request('http://function/', { method: 'POST', body: await request.text() }));
        return json({ status: response.status, body: await response.text() }, 201);
      }

      // Startup cost: a fresh isolate id makes workerd create an isolate and evaluate the module
      // again; `which` picks Ledge's built bundle (a text binding) or a trivial module.
      case 'POST /startup': {
        const ledge = url.searchParams.get('which') === 'ledge';
        const worker = env.LOADER.get(url.searchParams.get('id'), async () => ({
          compatibilityDate: '2026-11-01',
          compatibilityFlags: ['nodejs_compat'],
          mainModule: 'index.js',
          modules: { 'index.js': ledge ? env.LEDGE_SOURCE : FUNCTION_SOURCE },
          // Ledge reads its project settings from D1 on every request, /v1/ping included.
          env: ledge ? { ...(await request.json()), DB: env.DB } : {},
          globalOutbound: null,
        }));
        const response = await worker.getEntrypoint().fetch(new Request('http://ledge.local/v1/ping', { headers: { 'x-appwrite-project': 'local' } }));
        return json({ status: response.status, body: (await response.text()).slice(0, 200) }, 201);
      }

      default:
        return json({ error: 'not found', path }, 404);
    }
  },
};

function hub(env) {
  return env.HUB.get(env.HUB.idFromName('bench'));
}

/** One hub holding hibernatable sockets; a broadcast is one send per socket, nothing else. */
export class BaselineHub extends DurableObject {
  async fetch(request) {
    if (request.headers.get('Upgrade') !== 'websocket') return new Response('Expected WebSocket', { status: 426 });
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws, message) {
    if (message === 'ping') ws.send('pong');
  }

  echo(value) {
    return value;
  }

  broadcast(message) {
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) ws.send(message);
    return sockets.length;
  }
}
