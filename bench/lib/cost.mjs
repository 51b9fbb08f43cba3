// What a workload would cost to run on Cloudflare, from its D1 rows read/written per request and
// its Worker CPU per request, at Cloudflare's published prices (Workers Paid plan, standard usage
// model). Looked up on 2026-12-04; check the pages before quoting a bill:
//   Workers: https://developers.cloudflare.com/workers/platform/pricing/
//   D1:      https://developers.cloudflare.com/d1/platform/pricing/
//   Queues:  https://developers.cloudflare.com/queues/pricing/
export const PRICES = {
  subscriptionUsd: 5, // per month, Workers Paid: includes the allowances below
  requests: { included: 10e6, usdPerMillion: 0.3 },
  cpuMs: { included: 30e6, usdPerMillion: 0.02 },
  d1RowsRead: { included: 25e9, usdPerMillion: 0.001 },
  d1RowsWritten: { included: 50e6, usdPerMillion: 1.0 },
  queueOps: { included: 1e6, usdPerMillion: 0.4 }, // a delivered message is 3 operations (write, read, delete)
};

export const VOLUMES = [1e6, 100e6];

const over = (used, { included, usdPerMillion }) => (Math.max(0, used - included) / 1e6) * usdPerMillion;

/**
 * The month's bill if `requests` requests were all this workload: per request `rowsRead`,
 * `rowsWritten` (D1), `cpuMs` (Worker CPU) and `events` (queue messages published). Allowances
 * are per account and month, so a real bill mixes workloads; storage is not included (it depends
 * on the data kept, not on the requests).
 */
export function monthlyBill({ rowsRead, rowsWritten, cpuMs, events = 0 }, requests) {
  const parts = {
    requests: over(requests, PRICES.requests),
    cpu: over(requests * cpuMs, PRICES.cpuMs),
    d1Read: over(requests * rowsRead, PRICES.d1RowsRead),
    d1Written: over(requests * rowsWritten, PRICES.d1RowsWritten),
    queue: over(requests * events * 3, PRICES.queueOps),
  };
  return { ...parts, total: PRICES.subscriptionUsd + Object.values(parts).reduce((a, b) => a + b, 0) };
}

/**
 * One bill per metered workload and volume. Worker CPU per request is estimated as Ledge's Δp50
 * over the bare baseline (local D1 time is in both, so the difference is the Worker's own work),
 * the baseline's as 0.1 ms. Writes publish one event each.
 */
export function costTable(rows) {
  const out = [];
  for (const row of rows) {
    if (!row.ledge?.d1 || !row.baseline?.d1) continue;
    const events = /create/.test(row.name) ? 1 : 0;
    const ledge = { ...row.ledge.d1, cpuMs: Math.max(0.1, row.ledge.p50 - row.baseline.p50 + 0.1), events };
    const baseline = { ...row.baseline.d1, cpuMs: 0.1, events: 0 };
    out.push({
      name: row.name,
      perRequest: { ledge, baseline },
      rowsReadRatio: baseline.rowsRead > 0 ? ledge.rowsRead / baseline.rowsRead : null,
      bills: VOLUMES.map((n) => ({ requests: n, ledge: monthlyBill(ledge, n), baseline: monthlyBill(baseline, n) })),
    });
  }
  return out;
}

const usd = (v) => (v < 10 ? `$${v.toFixed(2)}` : `$${Math.round(v).toLocaleString('en-US')}`);
const num = (v) => (v === null || v === undefined ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(1));

/** The per-request D1 figures and the monthly bills as text, for the run's output and bench/README.md. */
export function costLines(table) {
  if (table.length === 0) return 'D1 rows per request: not metered in this run.';
  const lines = [
    'D1 rows per request (Ledge / baseline) and the monthly bill if every request were this one (Workers Paid; storage aside):',
    `${'workload'.padEnd(66)} ${'read'.padStart(13)} ${'written'.padStart(9)} ${'read ×'.padStart(7)} ${'1M req/month'.padStart(17)} ${'100M req/month'.padStart(19)}`,
  ];
  for (const t of table) {
    const { ledge, baseline } = t.perRequest;
    const [m1, m100] = t.bills;
    lines.push(
      `${t.name.slice(0, 66).padEnd(66)} ${`${num(ledge.rowsRead)} / ${num(baseline.rowsRead)}`.padStart(13)} ${`${num(ledge.rowsWritten)} / ${num(baseline.rowsWritten)}`.padStart(9)} ${(t.rowsReadRatio === null ? '–' : t.rowsReadRatio.toFixed(1)).padStart(7)} ${`${usd(m1.ledge.total)} / ${usd(m1.baseline.total)}`.padStart(17)} ${`${usd(m100.ledge.total)} / ${usd(m100.baseline.total)}`.padStart(19)}`,
    );
  }
  return lines.join('\n');
}
