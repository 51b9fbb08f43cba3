// The list peers are compared on: list-25 with a range filter ordered by the same column
// (`greaterThan("priority", 3)`, `orderDesc("priority")`), rowSecurity on, every row readable only
// by its owner — the reader — and a single ascending index on `priority`. With and without `total`,
// and in the index's own direction (orderAsc), against the bare SQL list on the same table.
import { waitForEventDrain } from '../lib/quiet.mjs';

const DB = 'benchrange';
const TABLE = 'ranged';
const rowsPath = `/tablesdb/${DB}/tables/${TABLE}/rows`;

const rowId = (i) => `p${String(i).padStart(7, '0')}`;
const priorityOf = (i) => i % 10;

function seedRow(i, userId) {
  return { $id: rowId(i), priority: priorityOf(i), title: `task ${i}`, $permissions: [`read("user:${userId}")`] };
}

async function createSchema(api) {
  await api.must('POST', '/tablesdb', { key: true, body: { databaseId: DB, name: 'Bench range' } });
  await api.must('POST', `/tablesdb/${DB}/tables`, { key: true, body: { tableId: TABLE, name: 'Ranged', permissions: ['create("users")'], rowSecurity: true } });
  await api.must('POST', `/tablesdb/${DB}/tables/${TABLE}/columns/integer`, { key: true, body: { key: 'priority', required: false } });
  await api.must('POST', `/tablesdb/${DB}/tables/${TABLE}/columns/varchar`, { key: true, body: { key: 'title', size: 64, required: false } });
  await api.must('POST', `/tablesdb/${DB}/tables/${TABLE}/indexes`, { key: true, body: { key: 'by_priority', type: 'key', columns: ['priority'], orders: ['ASC'] } });
}

/** The SQL table behind the Appwrite table, from Ledge's own metadata. */
async function sqlTableOf(db) {
  const row = await db.prepare('SELECT seq FROM tables WHERE database_id = ? AND id = ?').bind(DB, TABLE).first();
  const name = `t_${row.seq}`;
  const columns = (await db.prepare(`PRAGMA table_info("${name}")`).all()).results.map((c) => c.name);
  return { name, perms: `${name}_perms`, readRole: columns.includes('_read') };
}

/** Rows [from, to) straight into D1, in exactly the layout Ledge gave the API-created rows (checked first). */
async function seedIntoD1(db, t, from, to, userId) {
  const model = await db.prepare(`SELECT * FROM "${t.name}" WHERE _uid = ?`).bind(rowId(0)).first();
  const grants = (await db.prepare(`SELECT * FROM "${t.perms}" WHERE _seq = ?`).bind(model?._seq ?? -1).all()).results;
  const want = seedRow(0, userId);
  const same =
    model && model._permissions === JSON.stringify(want.$permissions) && model.c_priority === want.priority &&
    (!t.readRole || model._read === `user:${userId}`) &&
    grants.length === 1 && grants[0].type === 'read' && grants[0].role === `user:${userId}`;
  if (!same) throw new Error(`Ledge's row layout is not what the range seeder writes: ${JSON.stringify({ model, grants })}`);
  for (let start = from; start < to; start += 1000) {
    const rows = [];
    for (let i = start; i < Math.min(to, start + 1000); i++) rows.push({ ...seedRow(i, userId), perms: JSON.stringify(want.$permissions) });
    const data = JSON.stringify(rows);
    await db.batch([
      db.prepare(
        `INSERT INTO "${t.name}" (_uid, _createdAt, _updatedAt, _permissions, c_priority, c_title${t.readRole ? ', _read' : ''})
         SELECT value->>'$."$id"', ?2, ?2, value->>'$.perms', value->>'$.priority', value->>'$.title'${t.readRole ? ', ?3' : ''} FROM json_each(?1)`,
      ).bind(data, model._createdAt, ...(t.readRole ? [`user:${userId}`] : [])),
      db.prepare(
        `INSERT INTO "${t.perms}" (_seq, type, role) SELECT t._seq, 'read', ?2 FROM json_each(?1) j JOIN "${t.name}" t ON t._uid = j.value->>'$."$id"'`,
      ).bind(data, `user:${userId}`),
    ]);
  }
}

function query(direction) {
  const queries = [
    { method: 'greaterThan', attribute: 'priority', values: [3] },
    { method: direction === 'asc' ? 'orderAsc' : 'orderDesc', attribute: 'priority' },
    { method: 'limit', values: [25] },
  ];
  return queries.map((q, i) => `queries[${i}]=${encodeURIComponent(JSON.stringify(q))}`).join('&');
}

export async function runRange(ctx) {
  const { api, server, plan } = ctx;
  await api.requireRoutes('databases', [['GET', '/tablesdb']]);
  const db = await server.mf.getD1Database('DB');
  const reader = await api.userWithSession('range');
  const userId = reader.user.$id;
  await createSchema(api);
  const t = await sqlTableOf(db);

  const t0 = performance.now();
  const viaApi = Math.min(plan.rows, plan.apiSeedRows);
  for (let start = 0; start < viaApi; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, viaApi - start) }, (_, k) => seedRow(start + k, userId));
    await api.must('POST', rowsPath, { key: true, body: { rows } });
  }
  await seedIntoD1(db, t, viaApi, plan.rows, userId);
  const seedNote = `${plan.rows} rows, each readable only by the reader (${viaApi} through bulk createRows, the rest straight into D1 in the same layout; ${((performance.now() - t0) / 1000).toFixed(1)} s)`;
  await waitForEventDrain(db, { timeoutSeconds: plan.drainTimeoutSeconds });
  await ctx.configureBaseline({ rangeTable: t.name, priorityColumn: 'c_priority' });

  const h = { ...api.projectHeaders, cookie: reader.cookie };
  const ordered = (direction) => (res) => {
    const { rows } = JSON.parse(res.body);
    const p = rows.map((r) => r.priority ?? r.c_priority);
    const sorted = p.every((v, i) => i === 0 || (direction === 'asc' ? v >= p[i - 1] : v <= p[i - 1]));
    if (rows.length !== 25 || p.some((v) => !(v > 3)) || !sorted) throw new Error(`range list returned ${rows.length} rows, priorities ${p.join(',')}`);
  };
  const pair = (direction, total) => ({
    ledge: { url: server.ledgeUrl(`${rowsPath}?${query(direction)}${total ? '' : '&total=false'}`), headers: h, validate: ordered(direction) },
    baseline: { url: server.baselineUrl(`/range?min=3&dir=${direction}`), headers: h, validate: ordered(direction) },
  });
  const plan25 = await db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM "${t.name}" WHERE c_priority > ? ORDER BY c_priority DESC LIMIT 25`).bind(3).all();
  const name = (what) => `range list 25 of ${plan.rows}, greaterThan+orderDesc(priority) (rowSecurity on${what})`;
  const bare = await ctx.compare(name(', total=false'), pair('desc', false));
  bare.notes = [seedNote, `baseline: bare SQL on ${t.name}, plan: ${plan25.results.map((r) => r.detail).join('; ')}`];
  const withTotal = await ctx.compare(name(''), pair('desc', true));
  if (withTotal.ledge && bare.ledge) withTotal.extra = { totalOverBareP50: withTotal.ledge.p50 / bare.ledge.p50 };
  const asc = await ctx.compare(`range list 25 of ${plan.rows}, greaterThan+orderAsc(priority), the index's own direction (rowSecurity on, total=false)`, pair('asc', false));
  if (asc.ledge && bare.ledge) bare.extra = { againstOverWithIndexP50: bare.ledge.p50 / asc.ledge.p50 };
  return [bare, withTotal, asc];
}
