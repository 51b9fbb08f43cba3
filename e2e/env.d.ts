// Query fixtures shared with the workerd tests name D1's type. In Node the database is Miniflare's
// `getD1Database()` proxy; Miniflare types it through @cloudflare/workers-types, which this project
// does not install (wrangler types generates the Worker's own), so here it is loosely typed.
type D1Database = Awaited<ReturnType<import('miniflare').Miniflare['getD1Database']>>;
