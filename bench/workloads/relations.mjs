// Relationships: get one post with its author nested (Query.select(['*', 'author.*']), posts →
// authors manyToOne), against the bare SQL that answers the same question in one statement: the
// post joined through Ledge's own link table to its author, on the very same D1 tables.
import { waitForEventDrain } from '../lib/quiet.mjs';

const DB = 'bench_rel';
const AUTHORS = 100;
const POSTS = 1000;
const postsPath = `/tablesdb/${DB}/tables/posts/rows`;
const postId = (i) => `p${String(i).padStart(6, '0')}`;
const authorId = (i) => `a${String(i).padStart(4, '0')}`;

async function sqlTableOf(db, tableId) {
  const row = await db.prepare('SELECT seq FROM tables WHERE database_id = ? AND id = ?').bind(DB, tableId).first();
  if (!row) throw new Error(`no table ${tableId}`);
  return `t_${row.seq}`;
}

export async function runRelations(ctx) {
  const { api, server, plan } = ctx;
  await api.requireRoutes('databases', [['GET', '/tablesdb']]);
  const db = await server.mf.getD1Database('DB');
  const reader = await api.userWithSession('relations');
  const t0 = performance.now();
  await api.must('POST', '/tablesdb', { key: true, body: { databaseId: DB, name: 'Bench relationships' } });
  for (const tableId of ['authors', 'posts']) {
    await api.must('POST', `/tablesdb/${DB}/tables`, { key: true, body: { tableId, name: tableId, permissions: ['read("users")'], rowSecurity: false } });
    await api.must('POST', `/tablesdb/${DB}/tables/${tableId}/columns/varchar`, { key: true, body: { key: 'name', size: 64, required: false } });
  }
  // Rows first (bulk writes do not take tables with relationships), then the relationship.
  await api.must('POST', `/tablesdb/${DB}/tables/authors/rows`, { key: true, body: { rows: Array.from({ length: AUTHORS }, (_, i) => ({ $id: authorId(i), name: `author ${i}` })) } });
  await api.must('POST', postsPath, { key: true, body: { rows: Array.from({ length: POSTS }, (_, i) => ({ $id: postId(i), name: `post ${i}` })) } });
  await api.must('POST', `/tablesdb/${DB}/tables/posts/columns/relationship`, {
    key: true, body: { relatedTableId: 'authors', type: 'manyToOne', twoWay: true, key: 'author', twoWayKey: 'posts', onDelete: 'setNull' },
  });
  // The measured post is linked through the API; the rest straight into the link table, in the same form.
  const measured = postId(7);
  await api.must('PATCH', `${postsPath}/${measured}`, { key: true, body: { data: { author: authorId(7 % AUTHORS) } } });
  const rel = await db.prepare("SELECT seq FROM relationships WHERE database_id = ? AND parent_key = 'author'").bind(DB).first();
  const linkTable = `r_${rel.seq}`;
  const linked = await db.prepare(`SELECT p, c FROM "${linkTable}"`).all();
  if (linked.results.length !== 1 || linked.results[0].p !== measured) throw new Error(`link table layout is not (p, c): ${JSON.stringify(linked.results)}`);
  const links = Array.from({ length: POSTS }, (_, i) => [postId(i), authorId(i % AUTHORS)]).filter(([p]) => p !== measured);
  await db.prepare(`INSERT INTO "${linkTable}" (p, c) SELECT value->>0, value->>1 FROM json_each(?)`).bind(JSON.stringify(links)).run();
  const seedNote = `${AUTHORS} authors, ${POSTS} posts, each post linked to one author (${((performance.now() - t0) / 1000).toFixed(1)} s)`;
  await waitForEventDrain(db, { timeoutSeconds: plan.drainTimeoutSeconds });
  const postTable = await sqlTableOf(db, 'posts');
  const authorTable = await sqlTableOf(db, 'authors');
  await ctx.configureBaseline({ relPostTable: postTable, relAuthorTable: authorTable, relLinkTable: linkTable });

  const h = { ...api.projectHeaders, cookie: reader.cookie };
  const wantAuthor = authorId(7 % AUTHORS);
  const withAuthor = (res) => {
    const body = JSON.parse(res.body);
    const got = body.author?.$id ?? body.author?._uid;
    if ((body.$id ?? body._uid) !== measured || got !== wantAuthor) throw new Error(`post with author returned ${res.body.toString().slice(0, 160)}`);
  };
  const select = `queries[0]=${encodeURIComponent(JSON.stringify({ method: 'select', values: ['*', 'author.*'] }))}`;
  const result = await ctx.compare('row get with its author (manyToOne, select author.*)', {
    ledge: { url: server.ledgeUrl(`${postsPath}/${measured}?${select}`), headers: h, validate: withAuthor },
    baseline: { url: server.baselineUrl(`/post-with-author?id=${measured}`), headers: h, validate: withAuthor },
  });
  result.notes = [seedNote, `baseline: one SQL statement, ${postTable} joined through ${linkTable} to ${authorTable}; Ledge reads the post, then the link and author in a second round trip`];
  return [result];
}
