import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { packTar } from 'modern-tar';
import { Functions as WebFunctions } from 'appwrite';
import { Functions, ID, Permission, Role, TablesDB, Users, type Models } from 'node-appwrite';
import { InputFile } from 'node-appwrite/file';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ledge, refusal, serverClient } from './support/ledge';
import { uniqueEmail, webUser } from './support/web-client';

/**
 * Functions through the official SDKs: node-appwrite deploys a function whose code imports a
 * relative module and node-appwrite, an appwrite@27 user executes it, a sign-up triggers it (it
 * writes a row through node-appwrite with its x-appwrite-key), the cron runs it, and a Stripe-style
 * signed POST to its public URL upgrades a user.
 */
const functions = new Functions(serverClient());
const tables = new TablesDB(serverClient());
const users = new Users(serverClient());
const STRIPE_SECRET = 'whsec_e2e_secret';
const origin = new URL(ledge.endpoint).origin;

const CODE = {
  'package.json': JSON.stringify({ name: 'e2e-fn', type: 'module' }),
  'src/stripe.js': `
export async function verify(payload, header, secret) {
  const parts = Object.fromEntries(String(header || '').split(',').map((kv) => kv.split('=')));
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(parts.t + '.' + payload)));
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('') === parts.v1;
}`,
  'src/main.js': `
import { Client, ID, TablesDB, Users } from 'node-appwrite';
import { verify } from './stripe.js';

export default async ({ req, res, log }) => {
  const client = new Client().setEndpoint(process.env.APPWRITE_FUNCTION_API_ENDPOINT).setProject(process.env.APPWRITE_FUNCTION_PROJECT_ID).setKey(req.headers['x-appwrite-key']);
  const trigger = req.headers['x-appwrite-trigger'];
  if (trigger === 'event') {
    await new TablesDB(client).createRow({ databaseId: 'fn', tableId: 'signups', rowId: ID.unique(), data: { userId: req.body.$id } });
    log('row for ' + req.body.$id);
    return res.empty();
  }
  if (trigger === 'schedule') {
    log('tick');
    return res.empty();
  }
  if (req.path === '/stripe') {
    if (!(await verify(req.bodyText, req.headers['stripe-signature'], process.env.STRIPE_SECRET))) return res.text('bad signature', 400);
    const event = JSON.parse(req.bodyText);
    if (event.type === 'payment.succeeded') await new Users(client).updateLabels({ userId: event.data.object.metadata.userId, labels: ['premium'] });
    return res.json({ received: true });
  }
  log('hello ' + req.headers['x-appwrite-user-id']);
  return res.json({ greeting: process.env.GREETING, user: req.headers['x-appwrite-user-id'], body: req.bodyText });
};`,
};

async function archive(): Promise<Buffer> {
  const tar = await packTar(Object.entries(CODE).map(([name, text]) => ({ header: { name, size: Buffer.byteLength(text), type: 'file' as const }, body: text })));
  return gzipSync(tar);
}

async function deploy(functionId: string): Promise<Models.Deployment> {
  const created = await functions.createDeployment({ functionId, code: InputFile.fromBuffer(await archive(), 'code.tar.gz'), activate: true, entrypoint: 'src/main.js' });
  let deployment = created;
  for (let i = 0; i < 100 && deployment.status !== 'ready' && deployment.status !== 'failed'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    deployment = await functions.getDeployment({ functionId, deploymentId: created.$id });
  }
  expect(deployment.status, deployment.buildLogs).toBe('ready');
  return deployment;
}

async function signedIn() {
  const email = uniqueEmail('fn');
  const created = await users.create({ userId: ID.unique(), email, password: 'correct horse battery' });
  const user = webUser({ endpoint: ledge.endpoint, projectId: ledge.projectId });
  await user.as(() => user.account.createEmailPasswordSession({ email, password: 'correct horse battery' }));
  return { ...user, id: created.$id, functions: new WebFunctions(user.client) };
}

let alice: Awaited<ReturnType<typeof signedIn>>;
let main: Models.Function;

beforeAll(async () => {
  await tables.create({ databaseId: 'fn', name: 'Functions e2e' }).catch(() => undefined);
  await tables.createTable({ databaseId: 'fn', tableId: 'signups', name: 'Signups', permissions: [Permission.read(Role.any())] }).catch(() => undefined);
  await tables.createStringColumn({ databaseId: 'fn', tableId: 'signups', key: 'userId', size: 36, required: true }).catch(() => undefined);
  alice = await signedIn();
  main = await functions.create({
    functionId: ID.unique(), name: 'Main', runtime: 'node-22' as never, execute: [`user:${alice.id}`], events: ['users.*.create'],
    schedule: '* * * * *', scopes: ['rows.write', 'users.read', 'users.write'] as never, entrypoint: 'src/main.js', timeout: 10,
  });
  await functions.createVariable({ functionId: main.$id, variableId: ID.unique(), key: 'GREETING', value: 'hello from a variable' });
  await deploy(main.$id);
});

describe('functions through the SDKs', () => {
  it('deploys with node-appwrite: relative module and node-appwrite resolve, the deployment is active', async () => {
    const fn = await functions.get({ functionId: main.$id });
    expect(fn.deploymentId).toBe(fn.latestDeploymentId);
    expect(fn.vars.map((v) => v.key)).toEqual(['GREETING']);
    const deployment = await functions.getDeployment({ functionId: main.$id, deploymentId: fn.deploymentId });
    expect(deployment.buildLogs).toContain('uses node-appwrite');
  });

  it('lets an appwrite@27 user execute it sync and async; a stranger is refused', async () => {
    const sync = await alice.as(() => alice.functions.createExecution({ functionId: main.$id, body: 'ping', async: false }));
    expect(sync.status).toBe('completed');
    expect(JSON.parse(sync.responseBody)).toEqual({ greeting: 'hello from a variable', user: alice.id, body: 'ping' });

    const queued = await alice.as(() => alice.functions.createExecution({ functionId: main.$id, body: 'later', async: true }));
    expect(queued.status).toBe('waiting');
    expect(queued.responseBody).toBe('');
    await vi.waitFor(async () => {
      const done = await functions.getExecution({ functionId: main.$id, executionId: queued.$id });
      expect(done.status).toBe('completed');
      expect(done.logs).toBe(`hello ${alice.id}`);
    }, { timeout: 20_000, interval: 200 });
    const mine = await alice.as(() => alice.functions.getExecution({ functionId: main.$id, executionId: queued.$id }));
    expect(mine.status).toBe('completed');

    const bob = await signedIn();
    const refused = await refusal(bob.as(() => bob.functions.createExecution({ functionId: main.$id, body: 'x' })));
    expect(refused).toMatchObject({ code: 401, type: 'user_unauthorized' });
  });

  it('runs on users.*.create and writes a row through node-appwrite with its x-appwrite-key', async () => {
    const newcomer = webUser({ endpoint: ledge.endpoint, projectId: ledge.projectId });
    const account = await newcomer.as(() => newcomer.account.create({ userId: ID.unique(), email: uniqueEmail('signup'), password: 'correct horse battery' }));
    await vi.waitFor(async () => {
      const rows = await tables.listRows({ databaseId: 'fn', tableId: 'signups', queries: [`{"method":"equal","attribute":"userId","values":["${account.$id}"]}`] });
      expect(rows.total).toBe(1);
    }, { timeout: 30_000, interval: 250 });
  });

  it('runs on the schedule when the cron fires', async () => {
    const res = await fetch(`${origin}/cdn-cgi/local/scheduled?cron=${encodeURIComponent('* * * * *')}&time=${Date.now() + 90_000}`);
    expect(res.status).toBe(200);
    await vi.waitFor(async () => {
      const list = await functions.listExecutions({ functionId: main.$id, queries: ['{"method":"equal","attribute":"trigger","values":["schedule"]}'] });
      expect(list.executions.length).toBeGreaterThan(0);
      expect(list.executions.every((e) => e.status === 'completed' && e.logs === 'tick')).toBe(true);
    }, { timeout: 20_000, interval: 250 });
  });

  it("takes a Stripe-style signed POST at its public URL and upgrades the user through node-appwrite", async () => {
    const hook = await functions.create({ functionId: ID.unique(), name: 'Stripe', runtime: 'node-22' as never, execute: ['any'], scopes: ['users.write'] as never, entrypoint: 'src/main.js' });
    await functions.createVariable({ functionId: hook.$id, variableId: ID.unique(), key: 'STRIPE_SECRET', value: STRIPE_SECRET, secret: true });
    await deploy(hook.$id);
    const payload = JSON.stringify({ id: 'evt_1', type: 'payment.succeeded', data: { object: { metadata: { userId: alice.id } } } });
    const t = Math.floor(Date.now() / 1000);
    const sign = (body: string) => `t=${t},v1=${createHmac('sha256', STRIPE_SECRET).update(`${t}.${body}`).digest('hex')}`;
    const url = `${ledge.endpoint}/functions/${hook.$id}/http/stripe`;

    const forged = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': sign('{}') }, body: payload });
    expect(forged.status).toBe(400);
    expect((await users.get({ userId: alice.id })).labels).toEqual([]);

    const ok = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': sign(payload) }, body: payload });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ received: true });
    expect((await users.get({ userId: alice.id })).labels).toEqual(['premium']);
  });
});
