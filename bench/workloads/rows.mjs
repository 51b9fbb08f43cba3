// Rows: get by id, list 25 with a filter and an order (rowSecurity off and on), create. The table
// is created and seeded through Ledge's API; the baseline runs bare SQL on the very same D1 table.
import { SkipWorkload } from '../lib/api.mjs';
import { waitForEventDrain } from '../lib/quiet.mjs';

const DB = 'bench';
const TABLE = 'items';
const STATUSES = ['open', 'closed', 'draft', 'archived', 'review', 'blocked', 'done', 'todo', 'spam', 'held'];
// Rows per bulk request: Ledge takes up to 1,000; Appwrite's own default limit is 100
// (APP_LIMIT_DATABASE_BATCH), used if the larger batch is refused.
const BATCHES = [1000, 100];
const PARALLEL = 3;

const rowsPath = `/tablesdb/${DB}/tables/${TABLE}/rows`;
/** The row the get-by-id workloads read (one the bench user may read). */
const READABLE = 11;

function rowId(i) {
  return `r${String(i).padStart(7, '0')}`;
}

/** Half the rows of every status are readable by the bench user, the rest by someone else. */
function readableByUser(i) {
  return Math.floor(i / STATUSES.length) % 2 === 1;
}

/** A row whose permissions give rowSecurity work to do. */
function seedRow(i, userId) {
  return {
    $id: rowId(i),
    status: STATUSES[i % STATUSES.length],
    score: (i * 7919) % 100_000,
    title: `item ${i}`,
    $permissions: [readableByUser(i) ? `read("user:${userId}")` : 'read("user:someone-else")'],
  };
}

async function tableNames(db) {
  const { results } = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
  return new Set(results.map((r) => r.name));
}

async function columnsOf(db, table) {
  const { results } = await db.prepare(`PRAGMA table_info("${table}")`).all();
  return results;
}

/** The SQL tables Ledge made for the Appwrite table: found by what appeared in sqlite_master. */
async function discoverSqlTable(db, before) {
  const added = [...(await tableNames(db))].filter((n) => !before.has(n));
  for (const name of added) {
    const columns = await columnsOf(db, name);
    if (!columns.some((c) => c.name === '_uid')) continue;
    const find = (key) => columns.find((c) => c.name === key || c.name.endsWith(`_${key}`) || c.name.endsWith(key))?.name;
    const perms = added.find((n) => n !== name && n.startsWith(name) && /perm/i.test(n));
    return { name, columns, perms, status: find('status'), score: find('score'), title: find('title') };
  }
  throw new Error(`no new SQL table with a _uid column among ${added.join(', ') || 'nothing'}`);
}

async function createSchema(api) {
  await api.must('POST', '/tablesdb', { key: true, body: { databaseId: DB, name: 'Bench' } });
  await api.must('POST', `/tablesdb/${DB}/tables`, {
    key: true,
    body: { tableId: TABLE, name: 'Items', permissions: ['read("users")', 'create("users")'], rowSecurity: false },
  });
  const col = (type, body) => api.must('POST', `/tablesdb/${DB}/tables/${TABLE}/columns/${type}`, { key: true, body });
  await col('varchar', { key: 'status', size: 16, required: true });
  await col('integer', { key: 'score', required: true });
  await col('varchar', { key: 'title', size: 64, required: false });
  await api.must('POST', `/tablesdb/${DB}/tables/${TABLE}/indexes`, {
    key: true,
    body: { key: 'status_score', type: 'key', columns: ['status', 'score'], orders: ['ASC', 'DESC'] },
  });
}

/** Bulk createRows for rows [from, to), a few requests in flight; returns the batch size used. */
async function seedThroughApi(api, from, to, userId) {
  const rowsFrom = (start, end) => Array.from({ length: end - start }, (_, k) => seedRow(start + k, userId));
  let batch = BATCHES[0];
  let next = from;
  const probe = await api.call('POST', rowsPath, { key: true, body: { rows: rowsFrom(next, Math.min(to, next + batch)) } });
  if (probe.status === 201 || probe.status === 200) next = Math.min(to, next + batch);
  else if (probe.status === 400) batch = BATCHES[1];
  else throw new Error(`bulk createRows → ${probe.status} ${probe.json?.type}: ${probe.json?.message}`);
  async function worker() {
    while (next < to) {
      const start = next;
      next = Math.min(to, next + batch);
      await api.must('POST', rowsPath, { key: true, body: { rows: rowsFrom(start, next) } });
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return batch;
}

/**
 * Rows [from, to) straight into the D1 tables Ledge made, 1,000 per statement, in exactly the form
 * Ledge itself wrote the API-created rows: checked against a row created through the API first,
 * and refused if the layout differs from what this function writes.
 */
async function seedIntoD1(db, sqlTable, from, to, userId) {
  const model = await db.prepare(`SELECT * FROM "${sqlTable.name}" WHERE _uid = ?`).bind(rowId(READABLE)).first();
  const perms = (await db.prepare(`SELECT * FROM "${sqlTable.perms}" WHERE _seq = ?`).bind(model?._seq ?? -1).all()).results;
  const expected = seedRow(READABLE, userId);
  // Tables of layout 1 keep each row's single read role in `_read` (workers/databases/schema-sql.ts).
  const readRole = sqlTable.columns.some((c) => c.name === '_read');
  const same =
    model &&
    model._permissions === JSON.stringify(expected.$permissions) &&
    (!readRole || model._read === `user:${userId}`) &&
    perms.length === 1 && perms[0].type === 'read' && perms[0].role === `user:${userId}` &&
    model[sqlTable.status] === expected.status && model[sqlTable.score] === expected.score;
  if (!same) throw new Error(`Ledge's row layout is not what the D1 seeder writes: ${JSON.stringify({ model, perms })}`);
  for (let start = from; start < to; start += 1000) {
    const rows = [];
    for (let i = start; i < Math.min(to, start + 1000); i++) rows.push(seedRow(i, userId));
    const data = JSON.stringify(rows.map((r) => ({ ...r, perms: JSON.stringify(r.$permissions), role: r.$permissions[0].slice(6, -2) })));
    await db.batch([
      db.prepare(
        `INSERT INTO "${sqlTable.name}" (_uid, _createdAt, _updatedAt, _permissions, "${sqlTable.status}", "${sqlTable.score}", "${sqlTable.title}"${readRole ? ', _read' : ''})
         SELECT value->>'$."$id"', ?2, ?2, value->>'$.perms', value->>'$.status', value->>'$.score', value->>'$.title'${readRole ? ", value->>'$.role'" : ''} FROM json_each(?1)`,
      ).bind(data, model._createdAt),
      db.prepare(
        `INSERT INTO "${sqlTable.perms}" (_seq, type, role)
         SELECT t._seq, 'read', j.value->>'$.role' FROM json_each(?1) j JOIN "${sqlTable.name}" t ON t._uid = j.value->>'$."$id"'`,
      ).bind(data),
    ]);
  }
}

/** The first rows through bulk createRows; the rest, if that would take too long, into D1 directly. */
async function seed(ctx, db, sqlTable, userId) {
  const { api, plan } = ctx;
  const t0 = performance.now();
  const viaApi = Math.min(plan.rows, plan.apiSeedRows);
  const batch = await seedThroughApi(api, 0, viaApi, userId);
  const apiSeconds = (performance.now() - t0) / 1000;
  let note = `${viaApi} rows seeded through bulk createRows (${batch} per request, ${apiSeconds.toFixed(1)} s)`;
  if (viaApi < plan.rows) {
    const t1 = performance.now();
    await seedIntoD1(db, sqlTable, viaApi, plan.rows, userId);
    note += `, ${plan.rows - viaApi} more written straight into D1 in the same layout (${((performance.now() - t1) / 1000).toFixed(1)} s)`;
    // Spot-check that Ledge serves a D1-seeded row like its own.
    const last = await api.must('GET', `${rowsPath}/${rowId(plan.rows - 1)}`, { key: true });
    const want = seedRow(plan.rows - 1, userId);
    if (last.status !== want.status || last.score !== want.score || JSON.stringify(last.$permissions) !== JSON.stringify(want.$permissions)) {
      throw new Error(`a D1-seeded row reads back differently: ${JSON.stringify(last)}`);
    }
  }
  return note;
}

function listQuery() {
  const queries = [
    { method: 'equal', attribute: 'status', values: ['open'] },
    { method: 'orderDesc', attribute: 'score' },
    { method: 'limit', values: [25] },
  ];
  return queries.map((q, i) => `queries[${i}]=${encodeURIComponent(JSON.stringify(q))}`).join('&');
}

export async function runRows(ctx) {
  const { api, server, plan } = ctx;
  await api.requireRoutes('databases', [['GET', '/tablesdb'], ['GET', `/tablesdb/${DB}/tables/${TABLE}/rows`]]);
  const db = await server.mf.getD1Database('DB');
  const reader = await api.userWithSession('rows');
  const before = await tableNames(db);
  await createSchema(api);
  const sqlTable = await discoverSqlTable(db, before);
  if (!sqlTable.status || !sqlTable.score) throw new Error(`could not map columns in ${sqlTable.name}: ${sqlTable.columns.map((c) => c.name)}`);

  const seedNote = await seed(ctx, db, sqlTable, reader.user.$id);
  ctx.log(`  ${seedNote}`);
  await ctx.drain();
  const insertColumns = sqlTable.columns.filter((c) => !c.pk).map((c) => c.name);
  await ctx.configureBaseline({ rowTable: sqlTable.name, statusColumn: sqlTable.status, scoreColumn: sqlTable.score, insertTable: sqlTable.name, insertColumns });

  const h = { ...api.projectHeaders, cookie: reader.cookie };
  const readable = rowId(READABLE);
  // Both sides must return the same thing, or the comparison is void.
  const sameRow = (res) => {
    const row = JSON.parse(res.body);
    if ((row.$id ?? row._uid) !== readable) throw new Error(`row get returned ${res.body.toString().slice(0, 120)}`);
  };
  const fullPage = (res) => {
    const { rows } = JSON.parse(res.body);
    const scores = rows.map((r) => r.score ?? r[sqlTable.score]);
    if (rows.length !== 25 || scores.some((v, i) => i > 0 && v > scores[i - 1])) throw new Error(`list returned ${rows.length} rows, scores ${scores.join(',')}`);
  };
  const getPair = {
    ledge: { url: server.ledgeUrl(`${rowsPath}/${readable}`), headers: h, validate: sameRow },
    baseline: { url: server.baselineUrl(`/row?id=${readable}`), headers: h, validate: sameRow },
  };
  const listPair = {
    ledge: { url: server.ledgeUrl(`${rowsPath}?${listQuery()}`), headers: h, validate: fullPage },
    baseline: { url: server.baselineUrl('/list?status=open'), headers: h, validate: fullPage },
  };
  const sqlNote = `baseline: bare SQL on Ledge's own table ${sqlTable.name}`;
  const plan25 = await db
    .prepare(`EXPLAIN QUERY PLAN SELECT * FROM "${sqlTable.name}" WHERE "${sqlTable.status}" = ? ORDER BY "${sqlTable.score}" DESC LIMIT 25`)
    .bind('open')
    .all();
  const planNote = `baseline list query plan: ${plan25.results.map((r) => r.detail).join('; ')}`;
  const results = [];
  results.push({ ...(await ctx.compare('row get by id (rowSecurity off)', getPair)), notes: [seedNote, sqlNote] });
  const off = await ctx.compare(`row list 25 of ${plan.rows}, filter+order (rowSecurity off)`, listPair);
  off.notes = [planNote, 'Ledge also counts the matching readable rows (`total`, on by default in the SDKs); the baseline fetches the page only'];
  results.push(off);
  // The same page without the count, to tell the query's cost from the count's.
  const withoutTotal = (pair) => ({ ...pair, ledge: { ...pair.ledge, url: `${pair.ledge.url}&total=false` } });
  const offNoTotal = await ctx.compare(`row list 25 of ${plan.rows}, filter+order (rowSecurity off, total=false)`, withoutTotal(listPair));
  results.push(offNoTotal);

  // Row security on: the table no longer grants read, each row's own permissions decide.
  const update = await api.call('PUT', `/tablesdb/${DB}/tables/${TABLE}`, {
    key: true,
    body: { name: 'Items', permissions: ['create("users")'], rowSecurity: true },
  });
  if (update.status === 200) {
    results.push(await ctx.compare('row get by id (rowSecurity on)', getPair));
    const onlyReadable = (res) => {
      fullPage(res);
      const foreign = JSON.parse(res.body).rows.filter((r) => !readableByUser(Number(r.$id.slice(1))));
      if (foreign.length) throw new Error(`rowSecurity on, yet the list returned rows the user may not read: ${foreign.map((r) => r.$id)}`);
    };
    const listOnPair = { ...listPair, ledge: { ...listPair.ledge, validate: onlyReadable } };
    const on = await ctx.compare(`row list 25 of ${plan.rows}, filter+order (rowSecurity on)`, listOnPair);
    if (on.ledge && off.ledge) on.extra = { onOverOffP50: on.ledge.p50 / off.ledge.p50 };
    results.push(on);
    const onNoTotal = await ctx.compare(`row list 25 of ${plan.rows}, filter+order (rowSecurity on, total=false)`, withoutTotal(listOnPair));
    if (onNoTotal.ledge && offNoTotal.ledge) onNoTotal.extra = { onOverOffP50: onNoTotal.ledge.p50 / offNoTotal.ledge.p50 };
    results.push(onNoTotal);
  } else {
    results.push({ name: 'row get / list with rowSecurity on', failed: `updateTable → ${update.status} ${update.json?.type ?? ''}` });
  }

  // Last, because every created row leaves an event for the queue consumer (drained by the runner).
  const now = new Date().toISOString().replace('Z', '+00:00');
  const insertBody = Object.fromEntries(insertColumns.map((c) => [c, c === sqlTable.status ? 'new' : c === sqlTable.score ? 1 : c === sqlTable.title ? 'created' : c === '_permissions' ? '[]' : /createdAt|updatedAt/.test(c) ? now : null]));
  results.push(await ctx.compare('row create', {
    ledge: {
      method: 'POST', url: server.ledgeUrl(rowsPath), expect: 201,
      headers: { ...h, 'content-type': 'application/json' },
      body: JSON.stringify({ rowId: 'unique()', data: { status: 'new', score: 1, title: 'created' } }),
    },
    baseline: { method: 'POST', url: server.baselineUrl('/rows'), expect: 201, headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify(insertBody) },
  }));
  return results;
}
