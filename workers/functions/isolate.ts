import { loadModuleIsolate, type ModuleIsolate } from '../sandbox/isolate';
import type { ModuleSpec } from './modules';
import { RUNTIME_MODULE, runtimeSource } from './runtime-source';

/**
 * One function run in a Worker Loader isolate: the module map (the deployment's modules, Ledge's
 * runtime module in front, node-appwrite when the code imports it), the run's request, and the
 * frame the runtime answers with. A run that outlives its timeout is aborted, which ends its
 * request in the isolate; the runtime's own timer usually answers first, with the logs so far.
 */
export interface IsolatePlan {
  /** Same key ⇒ same code, env and outbound: the loader may reuse a warm isolate. */
  key: string;
  entrypoint: string;
  modules: () => Promise<Record<string, ModuleSpec>>;
  /** node-appwrite's isolate build, when the deployment imports it. */
  sdk: (() => Promise<Record<string, ModuleSpec>>) | null;
  env: Record<string, string>;
  outbound: Fetcher | null;
  limits: { cpuMs: number; subRequests: number };
}

export interface IsolateAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
  logs: string;
  errors: string;
  timedOut: boolean;
}

export class IsolateFailure extends Error {
  constructor(message: string, readonly timedOut = false) {
    super(message);
  }
}

export async function isolateModules(plan: IsolatePlan): Promise<ModuleIsolate> {
  const [modules, sdk] = await Promise.all([plan.modules(), plan.sdk ? plan.sdk() : Promise.resolve({})]);
  return {
    id: plan.key,
    mainModule: RUNTIME_MODULE,
    modules: { ...sdk, ...modules, [RUNTIME_MODULE]: { js: runtimeSource(plan.entrypoint) } } as ModuleIsolate['modules'],
    env: plan.env,
    globalOutbound: plan.outbound,
    limits: plan.limits,
  };
}

function readFrame(bytes: Uint8Array): IsolateAnswer {
  if (bytes.byteLength < 4) throw new IsolateFailure('The runtime returned no execution frame.');
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as Omit<IsolateAnswer, 'body'>;
  return { ...head, body: bytes.slice(4 + length) };
}

/** Why a run that never answered failed, in the words a function author needs. */
function failureMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/exceeded CPU|CPU time limit/i.test(message)) return `The function exceeded its CPU time limit. ${message}`;
  return message;
}

export async function callIsolate(loader: WorkerLoader, plan: IsolatePlan, request: Request, timeoutMs: number, graceMs = 2000): Promise<IsolateAnswer> {
  const stub = loadModuleIsolate(loader, plan.key, () => isolateModules(plan));
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new IsolateFailure('Execution timed out.', true)), timeoutMs + graceMs);
  try {
    const res = await stub.getEntrypoint().fetch(request, { signal: abort.signal });
    if (res.headers.get('content-type') !== 'application/x-ledge-execution') {
      throw new IsolateFailure(`The runtime failed (${res.status}): ${(await res.text()).slice(0, 2000)}`);
    }
    return readFrame(new Uint8Array(await res.arrayBuffer()));
  } catch (err) {
    if (abort.signal.aborted) throw new IsolateFailure('Execution timed out.', true);
    if (err instanceof IsolateFailure) throw err;
    throw new IsolateFailure(failureMessage(err));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Loads the build in a fresh isolate (no network, empty env) and asks the runtime whether the
 * entrypoint exports a function: module resolution, syntax, top-level code and CommonJS requires
 * fail here, at deployment, rather than at the first execution.
 */
export async function probeIsolate(loader: WorkerLoader, plan: IsolatePlan): Promise<{ ok: boolean; exports: string[] }> {
  const stub = loadModuleIsolate(loader, plan.key, () => isolateModules(plan));
  const res = await stub.getEntrypoint().fetch('https://build.invalid/', { headers: { 'x-ledge-probe': '1' } });
  return res.json();
}
