import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Functions, Storage, TablesDB, Teams } from 'node-appwrite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
// @ts-expect-error plain ESM helper
import { startLedge } from '../scripts/ledge-server.mjs';
// @ts-expect-error plain ESM helper
import { createAdmin } from '../scripts/admin-api.mjs';
import { runCli, startLoggingProxy, workspace, type Answer, type LoggingProxy, type Workspace } from './support/cli';

/**
 * The real appwrite-cli@12 binary against a running Ledge of its own (push --force deletes what
 * its config lacks, so no other test's state is in reach), through a logging proxy: `login` as
 * the admin, `init project` choosing the Ledge project, tables/buckets/teams/functions pushed and
 * pulled back, and the CI path (`appwrite client --endpoint --project-id --key`).
 */
let server: { endpoint: string; projectId: string; rootKey: string; dispose(): Promise<void> };
let proxy: LoggingProxy;
let ws: Workspace;
const ADMIN = { email: 'admin@cli.test', password: 'cli-admin-password-1' };

const sdk = () => new Client().setEndpoint(server.endpoint).setProject(server.projectId).setKey(server.rootKey);
const ok = (r: { code: number; output: string }) => {
  expect(r.output, r.output).not.toMatch(/✗ Error/);
  expect(r.code, r.output).toBe(0);
  return r;
};
const callsSince = (n: number) => proxy.calls.slice(n).map((c) => `${c.method} ${c.path} [${c.project}${c.mode ? `/${c.mode}` : ''}] ${c.status}`);

/** The interactive `init project` as a developer answers it: link an existing project, first org, first project, no pull. */
const INIT: Answer[] = [
  [/How would you like to start/, '\x1b[B\r'],
  [/Choose your organization/, '\r'],
  [/Choose your Appwrite project/, '\r'],
  [/pull all resources/, 'n\r'],
];

const TABLES = {
  tablesDB: [{ $id: 'shop', name: 'Shop', enabled: true }],
  tables: [
    {
      $id: 'products',
      $permissions: ['read("any")'],
      databaseId: 'shop',
      name: 'Products',
      enabled: true,
      rowSecurity: false,
      columns: [
        { key: 'title', type: 'string', required: true, array: false, size: 128, default: null, encrypt: false },
        { key: 'price', type: 'integer', required: false, array: false, min: 0, max: 100000, default: 0 },
      ],
      indexes: [{ key: 'by_title', type: 'key', status: 'available', columns: ['title'], orders: ['ASC'] }],
    },
  ],
};

beforeAll(async () => {
  server = await startLedge({ script: inject('bundlePath'), vars: { RATE_LIMITS: 'disabled' } });
  proxy = await startLoggingProxy(new URL(server.endpoint).origin);
  // What `npm run dev` does for the first admin (and `npm run admin` in production).
  expect(await createAdmin({ endpoint: server.endpoint, projectId: server.projectId, rootKey: server.rootKey, ...ADMIN, name: 'CLI Admin' })).toBe('created');
  ws = workspace();
}, 180_000);

afterAll(async () => {
  await proxy?.close();
  await server?.dispose();
});

describe('appwrite-cli@12 signed in as the admin', () => {
  it('login signs in to the admin realm, whoami reads the account', async () => {
    const start = proxy.calls.length;
    const r = ok(await runCli(ws, ['login', '--endpoint', proxy.endpoint, '--email', ADMIN.email, '--password', ADMIN.password]));
    expect(r.output).toContain(`Successfully signed in as ${ADMIN.email}`);
    expect(callsSince(start)).toEqual(['POST /v1/account/sessions/email [console] 201', 'GET /v1/account [console] 200']);
    const prefs = JSON.parse(readFileSync(join(ws.home, '.appwrite/prefs.json'), 'utf8')) as Record<string, { cookie?: string }>;
    expect(Object.values(prefs).some((p) => p?.cookie?.startsWith('a_session_console='))).toBe(true);
    expect(ok(await runCli(ws, ['whoami'])).output).toContain(ADMIN.email);
  });

  it('a wrong password is refused and signs nobody in', async () => {
    const other = workspace();
    const r = await runCli(other, ['login', '--endpoint', proxy.endpoint, '--email', ADMIN.email, '--password', 'not-the-password']);
    expect(r.output).toMatch(/Invalid credentials/);
  });

  it('init project lists the organization and the project and links the directory', async () => {
    const start = proxy.calls.length;
    ok(await runCli(ws, ['init', 'project'], INIT));
    expect(ws.config().projectId).toBe(server.projectId);
    expect(callsSince(start)).toEqual(['GET /v1/account [console] 200', 'GET /v1/teams [console] 200', 'GET /v1/projects [console] 200']);
  });

  it('pull settings reads the project (auth settings from [vars] and the live settings)', async () => {
    ok(await runCli(ws, ['pull', 'settings']));
    const settings = ws.config().settings as { auth: { security: { duration: number; limit: number; sessionsLimit: number } ; methods: Record<string, boolean> } };
    expect(settings.auth.security.duration).toBe(31_536_000);
    expect(settings.auth.security.sessionsLimit).toBe(10);
    expect(settings.auth.methods['email-password']).toBe(true);
  });

  it('push tables, then pull tables: the round trip is identical', async () => {
    const start = proxy.calls.length;
    ws.writeConfig({ projectId: server.projectId, ...TABLES });
    ok(await runCli(ws, ['push', 'tables', '--all', '--force']));
    // The admin acts on the project in admin mode with its console session.
    expect(proxy.calls.slice(start).every((c) => c.project === server.projectId && c.mode === 'admin')).toBe(true);
    ok(await runCli(ws, ['pull', 'tables', '--all', '--force']));
    const pulled = ws.config();
    expect({ tablesDB: pulled.tablesDB, tables: pulled.tables }).toEqual(TABLES);
  });

  it('push of a change (a new column and index) reaches Ledge and pulls back', async () => {
    const changed = structuredClone(TABLES);
    changed.tables[0].columns.push({ key: 'stock', type: 'integer', required: false, array: false, min: 0, max: 1000, default: 0 } as never);
    changed.tables[0].indexes.push({ key: 'by_price', type: 'key', status: 'available', columns: ['price'], orders: ['DESC'] });
    ws.writeConfig({ projectId: server.projectId, ...changed });
    ok(await runCli(ws, ['push', 'tables', '--all', '--force']));
    const tables = new TablesDB(sdk());
    expect((await tables.getColumn({ databaseId: 'shop', tableId: 'products', key: 'stock' })).type).toBe('integer');
    expect((await tables.getIndex({ databaseId: 'shop', tableId: 'products', key: 'by_price' })).columns).toEqual(['price']);
    ok(await runCli(ws, ['pull', 'tables', '--all', '--force']));
    const pulled = ws.config();
    expect({ tablesDB: pulled.tablesDB, tables: pulled.tables }).toEqual(changed);
  });

  it('push and pull buckets', async () => {
    const bucket = {
      $id: 'avatars', $permissions: ['read("any")', 'create("users")'], fileSecurity: true, name: 'Avatars', enabled: true,
      maximumFileSize: 1048576, allowedFileExtensions: ['png', 'jpg'], compression: 'none', encryption: false, antivirus: false,
    };
    ws.writeConfig({ ...ws.config(), buckets: [bucket] });
    ok(await runCli(ws, ['push', 'buckets', '--all', '--force']));
    const stored = await new Storage(sdk()).getBucket({ bucketId: 'avatars' });
    expect(stored.maximumFileSize).toBe(1048576);
    expect(stored.allowedFileExtensions).toEqual(['png', 'jpg']);
    ws.writeConfig({ ...ws.config(), buckets: [] });
    ok(await runCli(ws, ['pull', 'buckets']));
    expect(ws.config().buckets).toEqual([expect.objectContaining(bucket)]);
  });

  it('push and pull teams', async () => {
    ws.writeConfig({ ...ws.config(), teams: [{ $id: 'editors', name: 'Editors' }] });
    ok(await runCli(ws, ['push', 'teams', '--all', '--force']));
    expect((await new Teams(sdk()).get({ teamId: 'editors' })).name).toBe('Editors');
    ws.writeConfig({ ...ws.config(), teams: [] });
    ok(await runCli(ws, ['pull', 'teams']));
    expect(ws.config().teams).toEqual([{ $id: 'editors', name: 'Editors' }]);
  });

  it('push a function with a deployment from a folder, then pull it', async () => {
    const folder = join(ws.dir, 'functions/hello');
    mkdirSync(join(folder, 'src'), { recursive: true });
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'hello', type: 'module' }));
    writeFileSync(join(folder, 'src/main.js'), "export default async ({ res }) => res.json({ hello: 'from the CLI' });\n");
    const fn = {
      $id: 'hello', name: 'Hello', runtime: 'node-22', execute: ['any'], events: [], scopes: [], schedule: '', timeout: 15,
      enabled: true, logging: true, entrypoint: 'src/main.js', commands: '', path: 'functions/hello',
    };
    ws.writeConfig({ ...ws.config(), functions: [fn] });
    ok(await runCli(ws, ['push', 'functions', '--all', '--force']));
    const functions = new Functions(sdk());
    const { deployments } = await functions.listDeployments({ functionId: 'hello' });
    expect(deployments.length).toBe(1);
    await expect.poll(async () => (await functions.get({ functionId: 'hello' })).deploymentId, { timeout: 30_000 }).toBe(deployments[0].$id);
    const run = await functions.createExecution({ functionId: 'hello' });
    expect(JSON.parse(run.responseBody)).toEqual({ hello: 'from the CLI' });
    ws.writeConfig({ ...ws.config(), functions: [] });
    ok(await runCli(ws, ['pull', 'functions', '--all', '--force']));
    expect(ws.config().functions).toEqual([expect.objectContaining({ $id: 'hello', runtime: 'node-22', entrypoint: 'src/main.js' })]);
  });
});

describe('appwrite-cli@12 with an API key (the CI path)', () => {
  it('appwrite client --endpoint --project-id --key, then a command in that mode', async () => {
    const ci = workspace();
    const start = proxy.calls.length;
    ok(await runCli(ci, ['client', '--endpoint', proxy.endpoint, '--project-id', server.projectId, '--key', server.rootKey]));
    expect(callsSince(start)).toEqual(['GET /v1/health/version [console] 200']);
    const r = ok(await runCli(ci, ['tables-db', 'list-tables', '--database-id', 'shop', '--json']));
    expect(r.output).toContain('products');
    ci.writeConfig({ ...ci.config(), ...TABLES });
    ok(await runCli(ci, ['pull', 'tables', '--all', '--force']));
    expect((ci.config().tables as { $id: string }[]).map((t) => t.$id)).toEqual(['products']);
    expect(proxy.calls.slice(start + 1).every((c) => c.project === server.projectId && c.mode === 'default')).toBe(true);
  });
});
