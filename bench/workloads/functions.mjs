// Function execution, warm and cold, against a bare Worker Loader call (same id = warm isolate,
// fresh id = cold isolate).
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { median, percentile } from '../lib/load.mjs';

const FUNCTION_ID = 'bench';

/** A one-file ustar archive, gzipped: the `code` Appwrite's createDeployment takes. */
export function tarGz(name, content) {
  const data = Buffer.from(content);
  const header = Buffer.alloc(512);
  const field = (offset, length, value) => header.write(value, offset, length, 'ascii');
  field(0, 100, name);
  field(100, 8, '0000644\0');
  field(108, 8, '0000000\0');
  field(116, 8, '0000000\0');
  field(124, 12, `${data.length.toString(8).padStart(11, '0')}\0`);
  field(136, 12, `${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`);
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const b of header) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return gzipSync(Buffer.concat([header, data, pad, Buffer.alloc(1024)]));
}

/**
 * Appwrite's Node function signature; `marker` makes each deployment's code distinct. With `sdk`,
 * the code imports node-appwrite, so its isolate also loads Ledge's copy of the SDK.
 */
function functionSource(marker, sdk = false) {
  if (sdk) return `// ${marker}\nimport { Client } from 'node-appwrite';\nexport default async ({ req, res }) => res.text(typeof Client === 'function' ? 'ok' : 'no');\n`;
  return `// ${marker}\nexport default async ({ req, res }) => res.text('ok');\n`;
}

async function deploy(ctx, marker, sdk = false) {
  const { server, api } = ctx;
  const form = new FormData();
  form.append('entrypoint', 'index.js');
  form.append('activate', 'true');
  form.append('code', new Blob([tarGz('index.js', functionSource(marker, sdk))], { type: 'application/gzip' }), 'code.tar.gz');
  const res = await fetch(server.ledgeUrl(`/functions/${FUNCTION_ID}/deployments`), {
    method: 'POST',
    headers: { ...api.projectHeaders, 'x-appwrite-key': server.rootKey },
    body: form,
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`createDeployment → ${res.status} ${json.type}: ${json.message}`);
  const deadline = Date.now() + 30_000;
  let deployment = json;
  while (deployment.status !== 'ready') {
    if (deployment.status === 'failed' || Date.now() > deadline) throw new Error(`deployment ${deployment.$id} is ${deployment.status}`);
    await new Promise((r) => setTimeout(r, 100));
    deployment = await api.must('GET', `/functions/${FUNCTION_ID}/deployments/${json.$id}`, { key: true });
  }
  // Appwrite activates asynchronously; make sure the function points at this deployment.
  const fn = await api.must('GET', `/functions/${FUNCTION_ID}`, { key: true });
  if (fn.deploymentId !== deployment.$id) {
    await api.must('PATCH', `/functions/${FUNCTION_ID}/deployment`, { key: true, body: { deploymentId: deployment.$id } });
  }
  return deployment;
}

async function pickRuntime(api) {
  const list = await api.call('GET', '/functions/runtimes', { key: true });
  const ids = (list.json?.runtimes ?? []).map((r) => r.$id ?? r.key).filter(Boolean);
  return ids.find((id) => id.startsWith('node')) ?? 'node-22';
}

export async function runFunctions(ctx) {
  const { server, api, plan } = ctx;
  await api.requireRoutes('functions', [['GET', '/functions'], ['POST', `/functions/${FUNCTION_ID}/executions`, {}]]);
  await api.must('POST', '/functions', {
    key: true,
    body: { functionId: FUNCTION_ID, name: 'Bench', runtime: await pickRuntime(api), execute: ['any'], entrypoint: 'index.js', timeout: 15 },
  });
  await deploy(ctx, 'warm');
  const user = await api.userWithSession('functions');
  const body = JSON.stringify({ body: 'hi', async: false });
  const h = { ...api.projectHeaders, cookie: user.cookie, 'content-type': 'application/json' };
  const execution = { method: 'POST', url: server.ledgeUrl(`/functions/${FUNCTION_ID}/executions`), headers: h, body, expect: 201 };
  const results = [];
  const warm = await ctx.compare('function execution, warm', {
    ledge: execution,
    baseline: { method: 'POST', url: server.baselineUrl('/loader?id=warm'), headers: h, body: 'hi', expect: 201 },
  });
  if (warm.ledge) warm.extra = { warmOverheadMs: warm.ledge.p50 - warm.baseline.p50 };
  results.push(warm);

  const cold = (name, sdk) => ctx.guard(name, async () => {
    const ledge = [];
    const baseline = [];
    for (let r = 0; r < plan.coldRounds; r++) {
      await deploy(ctx, `cold-${r}-${randomBytes(4).toString('hex')}`, sdk);
      let t0 = performance.now();
      const res = await fetch(execution.url, { method: 'POST', headers: h, body });
      ledge.push(performance.now() - t0);
      const json = await res.json();
      if (res.status !== 201 || json.status !== 'completed') throw new Error(`cold execution → ${res.status} ${json.status ?? json.type}`);
      t0 = performance.now();
      const b = await fetch(server.baselineUrl(`/loader?id=cold-${randomBytes(6).toString('hex')}`), { method: 'POST', body: 'hi' });
      baseline.push(performance.now() - t0);
      if (b.status !== 201) throw new Error(`baseline cold loader → ${b.status}`);
    }
    const side = (t) => ({ rps: null, p50: median(t), p99: percentile(t, 99), samples: t.length });
    const notes = ['latency of the first execution after a new deployment; no throughput column'];
    if (sdk) notes.push("the function imports node-appwrite: its isolate also loads Ledge's copy of the SDK");
    const row = { ledge: side(ledge), baseline: side(baseline), notes };
    if (warm.ledge) row.extra = { coldStartMs: median(ledge) - warm.ledge.p50 };
    return row;
  });
  results.push(await cold('function execution, cold (first call of a new deployment / isolate id)', false));
  results.push(await cold('function execution, cold, importing node-appwrite', true));
  return results;
}
