/**
 * The bad-input sweep: every write route the app serves (POST, PUT, PATCH, DELETE, from Hono's
 * route table) gets hostile input — malformed JSON, a wrong content type, wrong types, int64 and
 * double extremes, NaN and Infinity, oversized strings, unknown and missing fields, and hostile
 * ids in every path parameter. Each must be a 4xx Appwrite error, no 5xx anywhere, and a checksum
 * of every D1 table (and the R2 listing) must be the same afterwards: nothing was written.
 *
 * Each route is called as the first principal that gets past authentication (guest, then a
 * signed-in user, then the root key), so the input checks are what is exercised. New routes are
 * swept automatically; a route whose parameters need a fixture adds it to PARAMS. The file upload
 * route also gets hostile multipart bodies (uploadBodies), against a real bucket.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, rootKey, signedInUser } from '../helpers';
import { servedRoutes } from './matrix-harness';

const BIG = 'x'.repeat(70_000);
const OVER_INT64 = '9223372036854775808';
/** The body fields Ledge's routes read; each hostile body sets all of them. */
const FIELDS = ['name', 'email', 'password', 'oldPassword', 'userId', 'teamId', 'keyId', 'databaseId', 'tableId', 'collectionId', 'rowId', 'documentId', 'sessionId', 'data', 'permissions', 'queries', 'roles', 'url', 'prefs', 'value', 'max', 'min', 'key', 'size', 'required', 'default', 'elements', 'scopes', 'rows', 'documents', 'status', 'labels', 'secret', 'phone', 'type', 'columns', 'factor', 'otp', 'length', 'expire', 'duration', 'enabled', 'rowSecurity', 'documentSecurity', 'mfa', 'emailVerification', 'phoneVerification', 'challengeId', 'code', 'encrypt', 'array', 'newKey', 'orders', 'lengths', 'hash', 'salt', 'success', 'failure', 'scopes', 'passwordVersion', 'relatedTableId', 'relatedCollectionId', 'twoWay', 'twoWayKey', 'onDelete', 'bucketId', 'fileId', 'fileSecurity', 'maximumFileSize', 'allowedFileExtensions', 'compression', 'encryption', 'antivirus', 'transformations', 'ttl', 'operations', 'commit', 'rollback'];
const ID_FIELDS = ['userId', 'teamId', 'keyId', 'databaseId', 'tableId', 'collectionId', 'rowId', 'documentId', 'sessionId', 'membershipId', 'challengeId', 'identityId', 'bucketId', 'fileId'];
/** Values no field of any route accepts: out-of-range numbers, a string over every size, too-deep arrays. */
const hostileValues: string[] = [OVER_INT64, `-${OVER_INT64}1`, '1e309', '-1e309', JSON.stringify(BIG), '[[[[[[[[1]]]]]]]]'];
function bodies(): { label: string; body: string; type?: string }[] {
  const out: { label: string; body: string; type?: string }[] = [
    { label: 'malformed JSON', body: '{"name": ' },
    { label: 'NaN literal', body: '{"value": NaN}' },
    { label: 'Infinity literal', body: '{"value": Infinity}' },
    { label: 'JSON array', body: '[1,2,3]' },
    { label: 'JSON string', body: '"text"' },
    { label: 'JSON null', body: 'null' },
    { label: 'wrong content type', body: '{"name":"x"}', type: 'text/plain' },
    { label: 'xml', body: '<a/>', type: 'application/xml' },
    { label: 'empty object (missing fields)', body: '{}' },
    { label: 'unknown fields only', body: '{"unknownField":1,"__proto__":{"admin":true},"constructor":{"prototype":{}}}' },
  ];
  for (const v of hostileValues) out.push({ label: `every field = ${v.slice(0, 30)}`, body: `{${FIELDS.map((f) => `"${f}":${v}`).join(',')}}` });
  for (const id of ['../../etc/passwd', '%2e%2e%2f', 'a\u0000b', 'a'.repeat(37), 'аdmin']) {
    out.push({ label: `id fields = ${id.slice(0, 20)}`, body: `{${ID_FIELDS.map((f) => `"${f}":"${id}"`).join(',')}}` });
  }
  return out;
}

/**
 * Routes that take no body parameters: any well-formed body is ignored, as in Appwrite, so they
 * are swept with what must still be refused (malformed JSON, wrong content types) and hostile ids.
 */
const PARAMETERLESS = new Set([
  'POST /v1/account/sessions/anonymous', 'PATCH /v1/account/status', 'POST /v1/account/jwts', 'POST /v1/account/jwt',
  'POST /v1/account/mfa/recovery-codes', 'POST /v1/users/:userId/sessions', 'DELETE /v1/account/sessions',
  'PUT /v1/users/:userId/mfa/recovery-codes', 'PATCH /v1/users/:userId/mfa/recovery-codes',
]);
/** Routes whose every parameter is optional (`{}` is a valid call): swept with invalid values only. */
const ALL_OPTIONAL = new Set([
  'POST /v1/users/:userId/tokens', 'POST /v1/users/:userId/jwts',
  'PATCH /v1/tablesdb/:databaseId/tables/:tableId/rows/:rowId/:column/:direction{increment|decrement}',
  'PATCH /v1/databases/:databaseId/collections/:tableId/documents/:rowId/:column/:direction{increment|decrement}',
  'PUT /v1/tablesdb/:databaseId{(?!transactions$|specifications$)[^/]+}', 'PUT /v1/databases/:databaseId{(?!transactions$|specifications$)[^/]+}',
  'PUT /v1/tablesdb/:databaseId/tables/:tableId', 'PUT /v1/databases/:databaseId/collections/:tableId',
  'PUT /v1/storage/buckets/:bucketId/files/:fileId', 'POST /v1/tokens/buckets/:bucketId/files/:fileId', 'PATCH /v1/tokens/:tokenId',
  'POST /v1/tablesdb/transactions', 'POST /v1/databases/transactions',
]);
const VALID_WHEN_OPTIONAL = ['empty object (missing fields)', 'unknown fields only'];
/** The probe that finds a caller past authentication: invalid for every route, so nothing is written. */
const PROBE = '{"unknownField":1,"ttl":"x","value":"x","name":[[1]],"length":"x","duration":"x","expire":"x","sessionId":"../x","data":7,"rows":7,"documents":7,"queries":7,"prefs":7,"roles":7,"labels":7,"password":7,"email":7,"url":7,"status":"x","permissions":7,"type":7,"key":7}';
const UNREADABLE = (b: { label: string }) => ['malformed JSON', 'NaN literal', 'Infinity literal', 'wrong content type', 'xml'].includes(b.label);

const HOSTILE_IDS = ['..%2F..%2Fetc', '%2e%2e', '.%2e', 'a%00b', 'a'.repeat(37), 'аdmin', '%20', 'unique()', '$id', '-x', 'x%22y'];

/** Every D1 table's rows, hashed; columns that record access (not writes) are left out. */
async function checksum(): Promise<Record<string, string>> {
  const { results } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name").all<{ name: string }>();
  const out: Record<string, string> = {};
  for (const { name } of results) {
    const rows = (await env.DB.prepare(`SELECT * FROM "${name}"`).all<Record<string, unknown>>()).results;
    const stable = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !/accessed/i.test(k))));
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(stable)));
    out[name] = btoa(String.fromCharCode(...new Uint8Array(digest)));
  }
  out['r2:FILES'] = (await r2Listing()).join(',');
  return out;
}

/** Every object in the FILES bucket, `key:etag` (R2 lists at most 1000 per page). */
async function r2Listing(): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ cursor });
    out.push(...page.objects.map((o) => `${o.key}:${o.etag}`));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

const FILE_ROUTE = 'POST /v1/storage/buckets/:bucketId/files';
const BUCKET_LIMIT = 1024;

/**
 * Hostile uploads for the file route, as the SDKs send files (multipart, optional Content-Range and
 * X-Appwrite-Id). The sweep's bucket takes `.txt` files up to BUCKET_LIMIT bytes and holds `f1`.
 */
async function uploadBodies(): Promise<{ label: string; body: BodyInit; type: string; headers?: Record<string, string> }[]> {
  const text = (n: number) => new TextEncoder().encode('x'.repeat(n));
  const form = async (fields: [string, string | File][]) => {
    const f = new FormData();
    for (const [k, v] of fields) f.append(k, v);
    const res = new Response(f);
    return { body: await res.arrayBuffer(), type: res.headers.get('Content-Type')! };
  };
  const file = (n = 10, name = 'a.txt') => new File([text(n)], name, { type: 'text/plain' });
  const cases: [string, [string, string | File][], Record<string, string>?][] = [
    ['multipart without file', [['fileId', 'unique()']]],
    ['multipart without fileId', [['file', file()]]],
    ['empty file', [['fileId', 'unique()'], ['file', file(0)]]],
    ['file over the bucket limit', [['fileId', 'unique()'], ['file', file(BUCKET_LIMIT + 1)]]],
    ['forbidden extension', [['fileId', 'unique()'], ['file', file(10, 'evil.exe')]]],
    ['no extension', [['fileId', 'unique()'], ['file', file(10, 'noext')]]],
    ['existing file id', [['fileId', 'f1'], ['file', file()]]],
    ['two file parts', [['fileId', 'unique()'], ['file', file()], ['file', file()]]],
    ['permission for a role the caller lacks', [['fileId', 'unique()'], ['file', file()], ['permissions[]', 'read("user:someone-else")']]],
    ['malformed permission', [['fileId', 'unique()'], ['file', file()], ['permissions[]', 'bogus']]],
    ['content-range off the chunk grid', [['fileId', 'unique()'], ['file', file(10)]], { 'Content-Range': 'bytes 1-10/20' }],
    ['content-range past its total', [['fileId', 'unique()'], ['file', file(10)]], { 'Content-Range': 'bytes 0-99/50' }],
    ['content-range reversed', [['fileId', 'unique()'], ['file', file(10)]], { 'Content-Range': 'bytes 9-0/20' }],
    ['content-range not bytes', [['fileId', 'unique()'], ['file', file(10)]], { 'Content-Range': 'items 0-9/10' }],
    ['content-range total over the bucket limit', [['fileId', 'unique()'], ['file', file(10)]], { 'Content-Range': `bytes 0-5242879/${10 * 1024 * 1024}` }],
    ['chunk larger than declared', [['fileId', 'unique()'], ['file', file(30)]], { 'Content-Range': 'bytes 0-19/20' }],
    ['chunk smaller than declared', [['fileId', 'unique()'], ['file', file(10)]], { 'Content-Range': 'bytes 0-19/20' }],
    ['whole chunk with a forbidden extension', [['fileId', 'unique()'], ['file', file(20, 'evil.exe')]], { 'Content-Range': 'bytes 0-19/20' }],
  ];
  for (const id of ['../x', '%2e%2e', 'a\u0000b', 'a'.repeat(37), 'аdmin', '$id', '-x']) {
    cases.push([`fileId = ${JSON.stringify(id).slice(0, 20)}`, [['fileId', id], ['file', file()]]]);
    cases.push([`chunk fileId = ${JSON.stringify(id).slice(0, 20)}`, [['fileId', id], ['file', file(20)]], { 'Content-Range': 'bytes 0-19/20' }]);
  }
  for (const id of ['../x', 'a'.repeat(37), 'аdmin', 'unique()']) {
    cases.push([`X-Appwrite-Id = ${id.slice(0, 20)}`, [['fileId', 'unique()'], ['file', file(20)]], { 'Content-Range': 'bytes 0-19/20', 'X-Appwrite-Id': encodeURIComponent(id) }]);
  }
  const out: { label: string; body: BodyInit; type: string; headers?: Record<string, string> }[] = [];
  for (const [label, fields, headers] of cases) out.push({ label, ...(await form(fields)), headers });
  const whole = await form([['fileId', 'unique()'], ['file', file()]]);
  const raw = new Uint8Array(whole.body);
  out.push({ label: 'truncated multipart', body: raw.slice(0, raw.length - 20), type: whole.type });
  out.push({ label: 'multipart without a boundary', body: raw, type: 'multipart/form-data' });
  out.push({ label: 'multipart with another boundary', body: raw, type: 'multipart/form-data; boundary=not-the-one' });
  out.push({ label: 'form-urlencoded', body: 'fileId=unique()&file=xyz', type: 'application/x-www-form-urlencoded' });
  return out;
}

describe('bad-input sweep over every write route', () => {
  it('answers every hostile request with a 4xx Appwrite error and writes nothing', async () => {
    const db = `sw${crypto.randomUUID().slice(0, 8)}`;
    const asRoot = (path: string, json: unknown) => call(path, { method: 'POST', key: rootKey(), json });
    await asRoot('/v1/tablesdb', { databaseId: db, name: 'Sweep' });
    await asRoot(`/v1/tablesdb/${db}/tables`, { tableId: 't', name: 'T', permissions: ['read("any")', 'create("any")', 'update("any")', 'delete("any")'] });
    await asRoot(`/v1/tablesdb/${db}/tables/t/columns/integer`, { key: 'n', required: true });
    await asRoot(`/v1/tablesdb/${db}/tables/t/columns/string`, { key: 's', size: 16, required: false });
    await asRoot(`/v1/tablesdb/${db}/tables/t/rows`, { rowId: 'r1', data: { n: 1 } });
    const user = await signedInUser();
    const team = (await (await user.req('/v1/teams', { method: 'POST', json: { teamId: 'unique()', name: 'T' } })).json()) as { $id: string };
    const key = (await (await asRoot('/v1/project/keys', { keyId: 'unique()', name: 'k', scopes: ['users.read'] })).json()) as { $id: string };
    // A bucket anyone may write to (so refusals come from the input checks), holding one file with a token.
    const bucketId = `sw${crypto.randomUUID().slice(0, 8)}`;
    const anyone = ['create("any")', 'read("any")', 'update("any")', 'delete("any")'];
    expect((await asRoot('/v1/storage/buckets', { bucketId, name: 'Sweep', permissions: anyone, fileSecurity: true, maximumFileSize: BUCKET_LIMIT, allowedFileExtensions: ['txt'], compression: 'gzip' })).status).toBe(201);
    const seed = new FormData();
    seed.append('fileId', 'f1');
    seed.append('file', new File(['hello sweep '.repeat(20)], 'f1.txt', { type: 'text/plain' }));
    const seedBody = new Response(seed);
    const seeded = await call(`/v1/storage/buckets/${bucketId}/files`, { method: 'POST', key: rootKey(), body: await seedBody.arrayBuffer(), headers: { 'Content-Type': seedBody.headers.get('Content-Type')! } });
    expect(seeded.status, await seeded.text()).toBe(201);
    const token = (await (await asRoot(`/v1/tokens/buckets/${bucketId}/files/f1`, {})).json()) as { $id: string };
    /** Real values for path parameters, so requests reach the input checks. */
    const PARAMS: Record<string, string> = {
      databaseId: db, tableId: 't', rowId: 'r1', column: 'n', direction: 'increment', key: 'n', type: 'integer',
      userId: user.user.id, teamId: team.$id, membershipId: 'none', keyId: key.$id, sessionId: user.sessionId,
      identityId: 'none', provider: 'github', projectId: env.PROJECT_ID, bucketId, fileId: 'f1', tokenId: token.$id,
    };
    const fill = (route: string, hostile?: [string, string]) =>
      route.replace(/:(\w+)(\{[^}]*\})?/g, (_m, name: string) => (hostile && hostile[0] === name ? hostile[1] : PARAMS[name] ?? 'x'));

    const writes = servedRoutes().filter((r) => !r.startsWith('GET ') && !r.includes('/oauth2/callback/'));
    expect(writes.length).toBeGreaterThan(80);
    const before = await checksum();
    expect(before['r2:FILES'], 'the fixture file is in R2, so the listing is compared').toContain(':');
    const failures: string[] = [];
    let sent = 0;
    let sweptUploads = false;
    const callers: { label: string; headers: Record<string, string> }[] = [{ label: 'guest', headers: {} }, { label: 'user', headers: { 'X-Appwrite-Session': user.cookieValue } }, { label: 'root key', headers: { 'X-Appwrite-Key': rootKey() } }];

    for (const route of writes) {
      const [method, pattern] = route.split(' ');
      const parameterless = PARAMETERLESS.has(route);
      // The first caller past authentication (a body of hostile fields, so nothing is created).
      let caller = parameterless ? callers[0] : callers[2];
      for (const c of parameterless ? [] : callers) {
        // A DELETE is probed on a record that does not exist: a 404 shows the caller got past authentication.
        const target = method === 'DELETE' ? fill(pattern).replace(/[^/]+$/, 'no-such-id') : fill(pattern);
        const probe = await call(target, { method, headers: { ...c.headers, 'Content-Type': 'application/json' }, body: PROBE });
        const text = await probe.text();
        if (probe.status !== 401) {
          caller = c;
          if (probe.status < 400 || probe.status >= 500 || false) failures.push(`${route} as ${c.label} [unknown field, required fields missing] → ${probe.status} ${text.slice(0, 160)}`);
          break;
        }
      }
      const send = async (path: string, label: string, body?: BodyInit, type = 'application/json', extra: Record<string, string> = {}) => {
        sent++;
        const res = await call(path, { method, headers: { ...caller.headers, ...extra, ...(body !== undefined ? { 'Content-Type': type } : {}) }, body });
        const text = await res.text();
        let typeOk = false;
        try {
          const json = JSON.parse(text) as { code?: number; type?: string; message?: string; version?: string };
          typeOk = typeof json.type === 'string' && json.code === res.status && typeof json.message === 'string' && typeof json.version === 'string';
        } catch {
          typeOk = false;
        }
        if (res.status < 400 || res.status >= 500 || !typeOk) failures.push(`${route} as ${caller.label} [${label}] → ${res.status} ${text.slice(0, 160)}`);
      };
      const takesBody = method !== 'DELETE';
      const optional = ALL_OPTIONAL.has(route);
      // On an all-optional route, fields it does not read are ignored, as in Appwrite: only invalid values count.
      const ignoredThere = (b: { label: string }) => VALID_WHEN_OPTIONAL.includes(b.label) || b.label.startsWith('id fields');
      const sweepBodies = bodies().filter((b) => (parameterless ? UNREADABLE(b) : !(optional && ignoredThere(b))));
      if (takesBody) for (const b of sweepBodies) await send(fill(pattern), b.label, b.body, b.type);
      if (route === FILE_ROUTE) {
        for (const b of await uploadBodies()) await send(fill(pattern), b.label, b.body, b.type, b.headers);
        sweptUploads = true;
      }
      else await send(fill(pattern), 'malformed JSON', '{"queries": ');
      for (const [name] of pattern.matchAll(/:(\w+)/g)) {
        const param = name.slice(1);
        if (['direction', 'type', 'provider', 'projectId'].includes(param)) continue;
        for (const id of HOSTILE_IDS) await send(fill(pattern, [param, id]), `${param}=${id}`, takesBody && !parameterless ? PROBE : undefined);
      }
    }
    console.info(`bad-input sweep: ${sent} requests over ${writes.length} write routes, ${failures.length} not refused with a 4xx`);
    const after = await checksum();
    const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
    expect(sweptUploads, `${FILE_ROUTE} is served and swept with multipart bodies`).toBe(true);
    expect(failures, `${failures.length} of ${sent} requests`).toEqual([]);
    expect(changed, 'tables changed by refused requests').toEqual([]);
  }, 600_000);
});
