import { gzipSync } from 'node:zlib';
import { packTar } from 'modern-tar';
import { Functions, ID, type Models } from 'node-appwrite';
import { InputFile } from 'node-appwrite/file';
import { expect } from 'vitest';
import { createClient, type ClientConfig } from '../../src/index';
import { ledge, serverClient } from '../../../e2e/support/ledge';

export { ledge, serverClient };

/** A @ledge/client for the Ledge of this run; `fetch` wraps the global one so a test can count calls. */
export function client(extra: Partial<ClientConfig> & { realtime?: Parameters<typeof createClient>[0]['realtime'] } = {}) {
  return createClient({ endpoint: ledge.endpoint, project: ledge.projectId, ...extra });
}

export const uniqueEmail = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;

/** Deploys `code` (ES module source of src/main.js) as a function that signed-in users may execute. */
export async function deployFunction(code: string): Promise<Models.Function> {
  const functions = new Functions(serverClient());
  const fn = await functions.create({ functionId: ID.unique(), name: 'SDK e2e', runtime: 'node-22' as never, execute: ['users'], entrypoint: 'src/main.js', timeout: 10 });
  const files = { 'package.json': JSON.stringify({ name: 'sdk-e2e', type: 'module' }), 'src/main.js': code };
  const tar = await packTar(Object.entries(files).map(([name, text]) => ({ header: { name, size: Buffer.byteLength(text), type: 'file' as const }, body: text })));
  const created = await functions.createDeployment({ functionId: fn.$id, code: InputFile.fromBuffer(gzipSync(tar), 'code.tar.gz'), activate: true, entrypoint: 'src/main.js' });
  let deployment = created;
  for (let i = 0; i < 100 && deployment.status !== 'ready' && deployment.status !== 'failed'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    deployment = await functions.getDeployment({ functionId: fn.$id, deploymentId: created.$id });
  }
  expect(deployment.status, deployment.buildLogs).toBe('ready');
  return fn;
}
