// The human-readable table and the goal checks. Ratios are always Ledge ÷ baseline from the same run.

const fmt = (v, digits = 2) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v >= 1000 ? Math.round(v).toString() : v.toFixed(digits));

export function ratios(row) {
  if (!row.ledge || !row.baseline) return null;
  return {
    throughput: row.ledge.rps && row.baseline.rps ? row.ledge.rps / row.baseline.rps : null,
    p50: row.ledge.p50 / row.baseline.p50,
    p99: row.ledge.p99 / row.baseline.p99,
    deltaP50Ms: row.ledge.p50 - row.baseline.p50,
  };
}

function pad(text, width, right = false) {
  const s = String(text);
  if (s.length >= width) return s;
  return right ? s.padStart(width) : s.padEnd(width);
}

export function table(rows) {
  const head = ['workload', 'Ledge thr', 'base thr', 'thr ×', 'Ledge p50', 'Ledge p99', 'base p50', 'base p99', 'p50 ×', 'Δp50 ms'];
  const widths = [66, 10, 10, 6, 10, 10, 9, 9, 6, 8];
  const lines = [head.map((h, i) => pad(h, widths[i], i > 0)).join(' '), widths.map((w) => '-'.repeat(w)).join(' ')];
  for (const row of rows) {
    if (row.skipped || row.failed) {
      lines.push(`${pad(row.name, widths[0])} ${row.skipped ? 'SKIPPED' : 'FAILED'}: ${row.skipped ?? row.failed}`);
      continue;
    }
    const r = ratios(row);
    const unit = row.unit && row.unit !== 'req/s' ? ` ${row.unit}` : '';
    lines.push([
      pad(row.name, widths[0]),
      pad(fmt(row.ledge.rps, 1), widths[1], true),
      pad(fmt(row.baseline.rps, 1), widths[2], true),
      pad(fmt(r.throughput), widths[3], true),
      pad(fmt(row.ledge.p50), widths[4], true),
      pad(fmt(row.ledge.p99), widths[5], true),
      pad(fmt(row.baseline.p50), widths[6], true),
      pad(fmt(row.baseline.p99), widths[7], true),
      pad(fmt(r.p50), widths[8], true),
      pad(fmt(r.deltaP50Ms), widths[9], true),
    ].join(' ') + unit);
    for (const note of row.notes ?? []) lines.push(`${' '.repeat(4)}· ${note}`);
    if (row.ledge.unexpectedShare || row.baseline.unexpectedShare) {
      lines.push(`    ! unexpected statuses under load: Ledge ${(row.ledge.unexpectedShare * 100).toFixed(1)}%, baseline ${(row.baseline.unexpectedShare * 100).toFixed(1)}%`);
    }
  }
  return lines.join('\n');
}

const byPrefix = (rows, prefix) => rows.find((r) => r.name.startsWith(prefix) && r.ledge);

function goal(name, target, value, met, unmeasured) {
  if (value === null || value === undefined || Number.isNaN(value)) return { goal: name, target, value: null, status: 'not measured', note: unmeasured };
  return { goal: name, target, value: Number(value.toFixed(3)), status: met(value) ? 'met' : 'NOT met' };
}

/** The issue's goals, each checked against this run's figures (or marked not measured, with why). */
export function goals(rows, { bundle, plan }) {
  const ping = byPrefix(rows, 'ping');
  const getOff = byPrefix(rows, 'row get by id (rowSecurity off)');
  const getOn = byPrefix(rows, 'row get by id (rowSecurity on)');
  const list = (variant) => rows.find((r) => r.name.startsWith('row list 25') && r.name.includes(`(${variant})`) && r.ledge);
  const listOff = list('rowSecurity off');
  const listOn = list('rowSecurity on');
  const listOffBare = list('rowSecurity off, total=false');
  const listOnBare = list('rowSecurity on, total=false');
  const create = byPrefix(rows, 'row create');
  const range = (what) => rows.find((r) => r.name.startsWith('range list 25') && r.name.includes(what) && r.ledge);
  const rangeBare = range('orderDesc(priority) (rowSecurity on, total=false)');
  const rangeTotal = range('orderDesc(priority) (rowSecurity on)');
  const rangeAsc = range('orderAsc(priority)');
  const signIn = byPrefix(rows, 'session sign-in');
  const realtime = byPrefix(rows, 'realtime fan-out');
  const sockets = byPrefix(rows, 'realtime: ');
  const warm = byPrefix(rows, 'function execution, warm');
  const cold = byPrefix(rows, 'function execution, cold');
  const bigUpload = byPrefix(rows, `file upload ${plan.uploadMiB} MiB`);
  const previewHit = byPrefix(rows, 'preview cache hit');
  const notBuilt = (what) => `${what}: not measured in this run (domain not built, or the workload failed — see the table)`;
  const smallData = plan.quick ? ' (--quick: smaller data than the goal assumes)' : '';
  return [
    goal('row get (authenticated, permission-checked, rowSecurity off) throughput ≥ 0.7× bare D1 point read', '≥ 0.7×', getOff && ratios(getOff).throughput, (v) => v >= 0.7, notBuilt('row get')),
    goal('row get (rowSecurity on, row-level check) throughput ≥ 0.7× bare D1 point read', '≥ 0.7×', getOn && ratios(getOn).throughput, (v) => v >= 0.7, notBuilt('row get, rowSecurity on')),
    goal(`list-25 filter+order on ${plan.rows} rows, with total (SDK default): in-Worker p50 ≤ 5 ms (Ledge p50 − bare ping p50)${smallData}`, '≤ 5 ms', listOff && ping && listOff.ledge.p50 - ping.baseline.p50, (v) => v <= 5, notBuilt('row list')),
    goal(`list-25 filter+order on ${plan.rows} rows, total=false: in-Worker p50 ≤ 5 ms${smallData}`, '≤ 5 ms', listOffBare && ping && listOffBare.ledge.p50 - ping.baseline.p50, (v) => v <= 5, notBuilt('row list, total=false')),
    goal(`list-25 rowSecurity on ≤ 1.5× off, with total (Ledge p50 on ÷ off)${smallData}`, '≤ 1.5×', listOn && listOff && listOn.ledge.p50 / listOff.ledge.p50, (v) => v <= 1.5, notBuilt('row list with rowSecurity on')),
    goal(`list-25 rowSecurity on ≤ 1.5× off, total=false${smallData}`, '≤ 1.5×', listOnBare && listOffBare && listOnBare.ledge.p50 / listOffBare.ledge.p50, (v) => v <= 1.5, notBuilt('row list with rowSecurity on, total=false')),
    goal('row create throughput ≥ 0.5× bare INSERT', '≥ 0.5×', create && ratios(create).throughput, (v) => v >= 0.5, notBuilt('row create')),
    goal(`range list-25 (greaterThan + orderDesc on one ascending index, rowSecurity on, total=false) throughput ≥ 0.5× bare SQL list${smallData}`, '≥ 0.5×', rangeBare && ratios(rangeBare).throughput, (v) => v >= 0.5, notBuilt('range list')),
    goal(`range list-25 with total ≤ 1.5× the same list with total=false (Ledge p50)${smallData}`, '≤ 1.5×', rangeTotal && rangeBare && rangeTotal.ledge.p50 / rangeBare.ledge.p50, (v) => v <= 1.5, notBuilt('range list with total')),
    goal(`list-25 ordered against its index's direction ≤ 1.2× the same list in the index's direction (Ledge p50 orderDesc ÷ orderAsc)${smallData}`, '≤ 1.2×', rangeBare && rangeAsc && rangeBare.ledge.p50 / rangeAsc.ledge.p50, (v) => v <= 1.2, notBuilt('range list, both directions')),
    goal('D1 rows read per request ≤ 2× the bare operation\'s (every metered workload without a count; counts stay within Appwrite\'s 5,000 cap)', '≤ 2×', maxReadRatio(rows), (v) => v <= 2, 'no workload was metered'),
    goal('password check ≤ 30 ms (sign-in p50 − bare request p50, concurrency 1)', '≤ 30 ms', signIn && ratios(signIn).deltaP50Ms, (v) => v <= 30, notBuilt('sign-in')),
    goal(`${plan.uploadMiB} MiB chunked upload ≥ 0.5× bare R2 multipart (MiB/s, Ledge ÷ bare)${plan.uploadMiB < 100 ? '; the goal is for 100 MiB' : ''}`, '≥ 0.5×', bigUpload && ratios(bigUpload).throughput, (v) => v >= 0.5, notBuilt('chunked upload')),
    goal('preview cache hit ≤ 5 ms above a bare R2 read (p50 − bare p50, concurrency 1)', '≤ 5 ms', previewHit && ratios(previewHit).deltaP50Ms, (v) => v <= 5, notBuilt('preview cache hit')),
    goal(`realtime fan-out p99 ≤ 100 ms (${plan.subscribers} subscribers${plan.subscribers < 1000 ? '; the goal is for 1,000' : ''})`, '≤ 100 ms', realtime?.ledge.p99, (v) => v <= 100, notBuilt('realtime')),
    goal(`realtime: ${plan.sockets} concurrent sockets across the shards, every one reached, no error`, `${plan.sockets}`, sockets?.ledge.samples, (v) => v >= plan.sockets, notBuilt('realtime sockets')),
    goal('function cold start ≤ 25 ms (cold first-execution p50 − warm execution p50)', '≤ 25 ms', cold?.extra?.coldStartMs, (v) => v <= 25, notBuilt('functions')),
    goal('function warm overhead ≤ 2 ms (warm execution p50 − bare Worker Loader call p50)', '≤ 2 ms', warm && ratios(warm).deltaP50Ms, (v) => v <= 2, notBuilt('functions')),
    goal('bundle ≤ 1 MiB gzip', '≤ 1024 KiB', bundle.gzip / 1024, (v) => v <= 1024, 'bundle not built'),
  ];
}

/**
 * The largest Ledge ÷ baseline rows-read ratio among metered workloads that count nothing: a list
 * with `total` counts up to 5,000 rows its baseline does not, so it is judged by the cap instead.
 */
function maxReadRatio(rows) {
  const ratios = rows
    .filter((r) => r.ledge?.d1 && r.baseline?.d1 && r.baseline.d1.rowsRead > 0)
    .filter((r) => !/list/.test(r.name) || /total=false/.test(r.name))
    .map((r) => r.ledge.d1.rowsRead / r.baseline.d1.rowsRead);
  return ratios.length ? Math.max(...ratios) : null;
}

export function goalLines(list) {
  return list.map((g) => `  [${g.status === 'met' ? 'x' : g.status === 'NOT met' ? '!' : ' '}] ${g.goal}: ${g.value === null ? g.note : `${g.value} (${g.status})`}`).join('\n');
}
