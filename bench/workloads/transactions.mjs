// A 10-operation transaction commit (issue 14): each measured request is the PATCH that commits a
// transaction holding 10 staged row creates (created and staged before the clock starts, one per
// request, since a commit cannot be repeated). Ledge replays the operations, checks structure and
// permissions, and sends ONE D1 batch (guards + 10 INSERTs with their permission rows + the
// transaction's bookkeeping). The baseline sends the same 10 INSERTs as one bare batch.
import { send, summarize } from '../lib/load.mjs';

const DB = 'benchtx';
const TABLE = 'ledger';
const OPS = 10;

async function createSchema(api) {
  await api.must('POST', '/tablesdb', { key: true, body: { databaseId: DB, name: 'Bench transactions' } });
  await api.must('POST', `/tablesdb/${DB}/tables`, { key: true, body: { tableId: TABLE, name: 'Ledger', permissions: ['read("any")'] } });
  await api.must('POST', `/tablesdb/${DB}/tables/${TABLE}/columns/integer`, { key: true, body: { key: 'n', required: false } });
  await api.must('POST', `/tablesdb/${DB}/tables/${TABLE}/columns/varchar`, { key: true, body: { key: 'label', size: 32, required: false } });
}

/** A pending transaction with OPS staged creates; resolves with its id. */
async function stagedTransaction(api, round) {
  const tx = await api.must('POST', '/tablesdb/transactions', { key: true, body: {} });
  const operations = Array.from({ length: OPS }, (_, i) => ({ action: 'create', databaseId: DB, tableId: TABLE, rowId: 'unique()', data: { n: i, label: `r${round}` } }));
  await api.must('POST', `/tablesdb/transactions/${tx.$id}/operations`, { key: true, body: { operations } });
  return tx.$id;
}

export async function runTransactions(ctx) {
  const { api, server, plan } = ctx;
  await api.requireRoutes('transactions', [['GET', '/tablesdb/transactions']]);
  const db = await server.mf.getD1Database('DB');
  await createSchema(api);
  const { seq } = await db.prepare('SELECT seq FROM tables WHERE database_id = ? AND id = ?').bind(DB, TABLE).first();
  const table = `t_${seq}`;
  const columns = (await db.prepare(`PRAGMA table_info("${table}")`).all()).results.map((c) => c.name).filter((c) => c !== '_seq');
  await ctx.configureBaseline({ batchTable: table, batchColumns: columns });
  const now = new Date().toISOString().replace('Z', '+00:00');
  const baselineBody = JSON.stringify(Object.fromEntries(columns.map((c) => [c, c === '_permissions' ? '[]' : /createdAt|updatedAt/.test(c) ? now : c === 'c_label' ? 'bare' : null])));
  const headers = { ...api.projectHeaders, 'x-appwrite-key': server.rootKey, 'content-type': 'application/json' };
  const samples = plan.quick ? 20 : 60;
  const sides = { ledge: { lat: [], rps: [], unexpected: 0 }, baseline: { lat: [], rps: [], unexpected: 0 } };
  const timed = async (target, side) => {
    const t0 = performance.now();
    const res = await send(target);
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${side} answered ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
    return ms;
  };
  // Warm-up, then alternating Ledge and baseline (ABBA) so noise hits both alike.
  for (let i = 0; i < samples + 3; i++) {
    const id = await stagedTransaction(api, i);
    const ledge = { method: 'PATCH', url: server.ledgeUrl(`/tablesdb/transactions/${id}`), headers, body: JSON.stringify({ commit: true }) };
    const baseline = { method: 'POST', url: server.baselineUrl(`/batch?n=${OPS}`), headers, body: baselineBody };
    const order = i % 2 ? ['baseline', 'ledge'] : ['ledge', 'baseline'];
    for (const side of order) {
      const ms = await timed(side === 'ledge' ? ledge : baseline, side);
      if (i >= 3) sides[side].lat.push(ms);
    }
  }
  const committed = await db.prepare(`SELECT COUNT(*) AS n FROM "${table}" WHERE c_label LIKE 'r%'`).first();
  if (committed.n !== (samples + 3) * OPS) throw new Error(`expected ${(samples + 3) * OPS} committed rows, found ${committed.n}`);
  await ctx.drain();
  return [{ name: `transaction commit, ${OPS} operations`, ...summarize(sides), notes: [`latency only (a commit cannot be repeated, so no throughput); ${samples} commits, each against a fresh transaction staged before the clock; baseline: ${OPS} bare INSERTs in one D1 batch on ${table}`] }];
}
