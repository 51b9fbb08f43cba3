/**
 * Runs untrusted code in its own isolate through the Worker Loader binding. The isolate gets no
 * network (`globalOutbound: null`) and no bindings unless the caller passes them.
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
