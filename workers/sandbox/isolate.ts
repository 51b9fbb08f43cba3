/**
 * Runs untrusted code in its own isolate through the Worker Loader binding. The isolate gets no
 * network (`globalOutbound: null`) and no bindings unless the caller passes them: a function's
 * isolate gets an outbound Fetcher that decides every request it makes (workers/functions).
 */
export interface IsolateCode {
  /** Stable id: the loader may reuse a warm isolate for the same id, so same id ⇒ same code. */
  id: string;
  /** ES module source exporting a default `{ fetch }` handler. */
  source: string;
  env?: Record<string, unknown>;
}

export const SANDBOX_COMPATIBILITY_DATE = '2026-11-01';

export function loadIsolate(loader: WorkerLoader, code: IsolateCode) {
  return loader.get(code.id, async () => ({
    compatibilityDate: SANDBOX_COMPATIBILITY_DATE,
    mainModule: 'index.js',
    modules: { 'index.js': code.source },
    env: code.env ?? {},
    globalOutbound: null,
  }));
}

export async function runIsolated(loader: WorkerLoader, code: IsolateCode, request: Request): Promise<Response> {
  return loadIsolate(loader, code).getEntrypoint().fetch(request);
}

/** A multi-module isolate: Node compatibility, resource limits, and an outbound of the caller's choosing. */
export interface ModuleIsolate {
  id: string;
  mainModule: string;
  modules: WorkerLoaderWorkerCode['modules'];
  /** String values reach the code as `env` and, with nodejs_compat, as `process.env`. */
  env: Record<string, string>;
  /** null: no network at all. */
  globalOutbound: Fetcher | null;
  /** CPU milliseconds and subrequests per invocation, where the runtime enforces them (production). */
  limits: { cpuMs: number; subRequests: number };
}

/** The code handed to the loader; exported so tests can see what the loader is given. */
export function moduleIsolateCode(isolate: ModuleIsolate): WorkerLoaderWorkerCode {
  return {
    compatibilityDate: SANDBOX_COMPATIBILITY_DATE,
    compatibilityFlags: ['nodejs_compat'],
    mainModule: isolate.mainModule,
    modules: isolate.modules,
    env: isolate.env,
    globalOutbound: isolate.globalOutbound,
    limits: isolate.limits,
  };
}

/** `load` builds the isolate only when the loader has no warm one for `id`. */
export function loadModuleIsolate(loader: WorkerLoader, id: string, load: () => Promise<ModuleIsolate>) {
  return loader.get(id, async () => moduleIsolateCode(await load()));
}
