import type { TestProject } from 'vitest/node';
// @ts-expect-error plain ESM helper
import { buildBundle, startLedge } from '../scripts/ledge-server.mjs';
import { startInspector } from './support/inspector';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoint: string;
    projectId: string;
    rootKey: string;
    /** A loopback URL answering read-only questions about what Ledge stored (e2e/support/stored.ts). */
    inspect: string;
    /** The built bundle (test/security/production-guards.node.ts weighs it). */
    bundlePath: string;
  }
}

/** One Ledge for the whole e2e run, built fresh from the current source. */
export default async function setup(project: TestProject) {
  const script = buildBundle();
  const ledge = await startLedge({ script, vars: { ALLOWED_ORIGINS: 'http://app.test', RATE_LIMITS: 'disabled' } });
  project.provide('endpoint', ledge.endpoint);
  project.provide('projectId', ledge.projectId);
  project.provide('rootKey', ledge.rootKey);
  const inspector = await startInspector(ledge.mf);
  project.provide('inspect', inspector.url);
  project.provide('bundlePath', script);
  return async () => {
    await inspector.close();
    await ledge.dispose();
  };
}
