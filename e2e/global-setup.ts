import type { TestProject } from 'vitest/node';
// @ts-expect-error plain ESM helper
import { buildBundle, startLedge } from '../scripts/ledge-server.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoint: string;
    projectId: string;
    rootKey: string;
  }
}

/** One Ledge for the whole e2e run, built fresh from the current source. */
export default async function setup(project: TestProject) {
  const script = buildBundle();
  const ledge = await startLedge({ script, vars: { ALLOWED_ORIGINS: 'http://app.test', RATE_LIMITS: 'disabled' } });
  project.provide('endpoint', ledge.endpoint);
  project.provide('projectId', ledge.projectId);
  project.provide('rootKey', ledge.rootKey);
  return async () => {
    await ledge.dispose();
  };
}
