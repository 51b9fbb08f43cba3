import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { callIsolate, type IsolatePlan } from './isolate';
import { cpuLimitMs } from './run';

/** The loader itself, with the code it is handed written down: local workerd enforces no CPU limit. */
function recordingLoader() {
  const seen: WorkerLoaderWorkerCode[] = [];
  const loader: WorkerLoader = {
    get(name, getCode) {
      return env.LOADER.get(name, async () => {
        const code = await getCode();
        seen.push(code);
        return code;
      });
    },
    load(code) {
      seen.push(code);
      return env.LOADER.load(code);
    },
  };
  return { loader, seen };
}

const plan = (key: string, source: string, timeout: number): IsolatePlan => ({
  key,
  entrypoint: 'index.js',
  modules: async () => ({ 'index.js': { js: source } }),
  sdk: null,
  env: { FOO: 'bar' },
  outbound: null,
  limits: { cpuMs: cpuLimitMs(timeout), subRequests: 1000 },
});

describe('function isolates', () => {
  it('hand the loader CPU and subrequest limits, nodejs_compat and no network by default', async () => {
    const { loader, seen } = recordingLoader();
    const answer = await callIsolate(loader, plan(`limits-${crypto.randomUUID()}`, 'export default async ({ res }) => res.text(process.env.FOO);', 7), new Request('https://x.test/'), 7000);
    expect(new TextDecoder().decode(answer.body)).toBe('bar');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ limits: { cpuMs: 7000, subRequests: 1000 }, compatibilityFlags: ['nodejs_compat'], globalOutbound: null, mainModule: '__ledge/runtime.js' });
    expect(cpuLimitMs(900)).toBe(300_000);
  });

  it('abort an asynchronous runaway at the timeout even when the runtime does not answer', async () => {
    // The runtime's own timer is bypassed (no x-ledge-timeout): only the caller's abort ends it.
    const runaway = 'export default async () => { setInterval(() => {}, 1); await new Promise(() => {}); };';
    const started = Date.now();
    await expect(callIsolate(env.LOADER, plan(`runaway-${crypto.randomUUID()}`, runaway, 1), new Request('https://x.test/'), 300, 0)).rejects.toMatchObject({
      message: 'Execution timed out.', timedOut: true,
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
