// Storage: a 1 KiB upload, a large chunked upload, and a preview served from cache, against bare R2.
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { median, percentile } from '../lib/load.mjs';

const BUCKET = 'bench';
const CHUNK = 5 * 1024 * 1024; // Appwrite's chunk size; one chunk = one R2 multipart part.
const IN_FLIGHT = 8; // chunks 2..N in flight at once, as the web SDK sends them.

/** A multipart/form-data body as the SDKs send it: fileId, then the file part. */
function multipart(fields, file) {
  const boundary = `----ledgebench${randomBytes(8).toString('hex')}`;
  const parts = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.name}"\r\ncontent-type: ${file.type}\r\n\r\n`));
  parts.push(file.bytes, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A real PNG (gradient, RGB) so the preview path has an image to decode and resize. */
function png(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set([(x * 255) / width, (y * 255) / height, 128], y * (width * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

async function ledgeChunkedUpload(ctx, bytes, fileId) {
  const { server, api, user } = ctx;
  const total = bytes.length;
  const send = async (start, withId) => {
    const end = Math.min(total, start + CHUNK) - 1;
    const form = new FormData();
    form.append('fileId', fileId);
    form.append('file', new Blob([bytes.subarray(start, end + 1)]), 'big.bin');
    const headers = { ...api.projectHeaders, cookie: user.cookie, 'content-range': `bytes ${start}-${end}/${total}` };
    if (withId) headers['x-appwrite-id'] = fileId;
    const res = await fetch(server.ledgeUrl(`/storage/buckets/${BUCKET}/files`), { method: 'POST', headers, body: form });
    const json = await res.json();
    if (res.status >= 300) throw new Error(`chunk at ${start} → ${res.status} ${json.type}: ${json.message}`);
    return json;
  };
  let last = await send(0, false);
  const starts = [];
  for (let s = CHUNK; s < total; s += CHUNK) starts.push(s);
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < starts.length) {
      const r = await send(starts[next++], true);
      if (r.chunksUploaded >= r.chunksTotal) last = r;
    }
  }));
  if (last.chunksUploaded < last.chunksTotal) throw new Error(`upload incomplete: ${last.chunksUploaded}/${last.chunksTotal}`);
}

export async function baselineMultipartUpload(ctx, bytes, key) {
  const { server } = ctx;
  const post = async (path, init) => {
    const res = await fetch(server.baselineUrl(path), init);
    if (res.status >= 300) throw new Error(`baseline ${path} → ${res.status} ${await res.text()}`);
    return res.json();
  };
  const { uploadId } = await post(`/r2/mpu?key=${key}`, { method: 'POST' });
  const parts = [];
  const starts = [];
  for (let s = 0; s < bytes.length; s += CHUNK) starts.push(s);
  // The first part alone, then the rest IN_FLIGHT at a time: the same shape as the Ledge upload.
  parts.push(await post(`/r2/mpu?key=${key}&uploadId=${encodeURIComponent(uploadId)}&part=1`, { method: 'PUT', body: bytes.subarray(0, CHUNK) }));
  let next = 1;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < starts.length) {
      const i = next++;
      parts.push(await post(`/r2/mpu?key=${key}&uploadId=${encodeURIComponent(uploadId)}&part=${i + 1}`, { method: 'PUT', body: bytes.subarray(starts[i], starts[i] + CHUNK) }));
    }
  }));
  parts.sort((a, b) => a.partNumber - b.partNumber);
  await post(`/r2/mpu/complete?key=${key}&uploadId=${encodeURIComponent(uploadId)}`, { method: 'POST', body: JSON.stringify(parts) });
}

async function timeRounds(rounds, fn) {
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  return times;
}

export async function runStorage(ctx) {
  const { server, api, plan } = ctx;
  await api.requireRoutes('storage', [['GET', '/storage/buckets'], ['POST', `/storage/buckets/${BUCKET}/files`, {}]]);
  const user = await api.userWithSession('storage');
  const bucketBody = { bucketId: BUCKET, name: 'Bench', permissions: ['create("users")', 'read("users")'], fileSecurity: false };
  let bucket = await api.call('POST', '/storage/buckets', { key: true, body: { ...bucketBody, maximumFileSize: plan.uploadMiB * 1024 * 1024 + 1024 } });
  // A server whose own ceiling is lower refuses the size; its default then decides (and the large
  // upload reports the refusal rather than a figure).
  if (bucket.status === 400) bucket = await api.call('POST', '/storage/buckets', { key: true, body: bucketBody });
  if (bucket.status !== 201) throw new Error(`createBucket → ${bucket.status} ${bucket.json?.type}: ${bucket.json?.message}`);
  const results = [];

  const small = multipart({ fileId: 'unique()' }, { name: 'small.bin', type: 'application/octet-stream', bytes: randomBytes(1024) });
  results.push(await ctx.compare('file upload 1 KiB', {
    ledge: { method: 'POST', url: server.ledgeUrl(`/storage/buckets/${BUCKET}/files`), headers: { ...api.projectHeaders, cookie: user.cookie, 'content-type': small.contentType }, body: small.body, expect: 201 },
    baseline: { method: 'PUT', url: server.baselineUrl('/r2'), headers: { ...api.projectHeaders, 'content-type': 'application/octet-stream' }, body: randomBytes(1024), expect: 201 },
  }));

  results.push(await ctx.guard(`file upload ${plan.uploadMiB} MiB (5 MiB chunks, ${IN_FLIGHT} in flight)`, async () => {
    const big = randomBytes(plan.uploadMiB * 1024 * 1024);
    const sctx = { ...ctx, user };
    await ledgeChunkedUpload(sctx, big.subarray(0, CHUNK + 1), `warm${Date.now()}`); // warm-up
    await baselineMultipartUpload(sctx, big.subarray(0, CHUNK + 1), 'warm');
    const ledge = [];
    const baseline = [];
    for (let r = 0; r < plan.uploadRounds; r++) {
      ledge.push(...(await timeRounds(1, () => ledgeChunkedUpload(sctx, big, `big${r}x${Date.now()}`))));
      baseline.push(...(await timeRounds(1, () => baselineMultipartUpload(sctx, big, `big${r}`))));
    }
    const side = (times) => ({ rps: plan.uploadMiB / (median(times) / 1000), p50: median(times), p99: percentile(times, 99), samples: times.length });
    return { ledge: side(ledge), baseline: side(baseline), unit: 'MiB/s', notes: ['throughput column is MiB/s; latencies are whole-upload times'] };
  }));

  results.push(await ctx.guard('preview cache hit', async () => {
    const image = multipart({ fileId: 'preview1' }, { name: 'photo.png', type: 'image/png', bytes: png(256, 256) });
    const up = await fetch(server.ledgeUrl(`/storage/buckets/${BUCKET}/files`), { method: 'POST', headers: { ...api.projectHeaders, cookie: user.cookie, 'content-type': image.contentType }, body: image.body });
    if (up.status !== 201) throw new Error(`image upload → ${up.status} ${await up.text()}`);
    const previewUrl = server.ledgeUrl(`/storage/buckets/${BUCKET}/files/preview1/preview?width=64&height=64&project=${server.projectId}`);
    const first = await fetch(previewUrl, { headers: { cookie: user.cookie } });
    if (first.status !== 200) throw new Error(`preview → ${first.status} ${(await first.text()).slice(0, 200)}`);
    const bytes = Buffer.from(await first.arrayBuffer());
    // The baseline serves an R2 object of the same size as Ledge's preview.
    await fetch(server.baselineUrl('/r2?key=preview'), { method: 'PUT', body: bytes });
    return ctx.compare('preview cache hit', {
      ledge: { url: previewUrl, headers: { cookie: user.cookie } },
      baseline: { url: server.baselineUrl('/r2?key=preview'), headers: { cookie: user.cookie } },
    });
  }));
  return results;
}
