import { LedgeError } from './error';

export interface ClientConfig {
  /** `https://api.example.com/v1` */
  endpoint: string;
  project: string;
  /** A session value (the `a_session_<project>` cookie value, as Appwrite's `setSession` takes it). */
  session?: string;
  jwt?: string;
  /** An API key: servers only, never ship one to a browser or an app. */
  key?: string;
  /** Called whenever the session changes (sign-in through fallback cookies, sign-out): persist it in React Native. */
  onSession?: (session: string | undefined) => void;
  /** Replaces the global `fetch` (tests, instrumentation). */
  fetch?: typeof fetch;
  /** Replaces the global `WebSocket`. */
  WebSocket?: typeof WebSocket;
}

export type Params = Record<string, unknown>;

export interface CallOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * The transport every service shares: the endpoint, the credentials, and the read-your-writes
 * bookmark. Services are plain functions over a `Core`, so a bundler keeps only the ones imported.
 */
export interface Core {
  readonly config: ClientConfig;
  /** The last `X-Ledge-Bookmark` the server sent; sent back with every later request. */
  bookmark?: string;
  call<T = any>(method: string, path: string, params?: Params | FormData, options?: CallOptions): Promise<T>;
  /** The URL of a GET route, with the project (for `<img src>`, downloads). */
  url(path: string, params?: Params): string;
  headers(): Record<string, string>;
  setSession(session: string | undefined): void;
  /** Calls `listener` after every session change (realtime re-authenticates its socket). */
  watchSession(listener: (session: string | undefined) => void): void;
}

/** Appwrite's query-string form: arrays and objects flattened to `key[0]`, `key[sub]`. */
function flatten(params: Params, search: URLSearchParams, prefix = '') {
  for (const [k, v] of Object.entries(params)) {
    const key = prefix ? `${prefix}[${k}]` : k;
    if (v != null && typeof v == 'object') flatten(v as Params, search, key);
    else if (v !== undefined) search.append(key, String(v));
  }
  return search;
}

/** Takes the path's `{name}` parameters out of `params` (the body must not repeat them). */
function fill(path: string, params: Params): [string, Params] {
  const rest = { ...params };
  const filled = path.replace(/{(\w+)}/g, (_, k) => {
    const v = rest[k];
    delete rest[k];
    return encodeURIComponent(String(v));
  });
  return [filled, rest];
}

export function createCore(config: ClientConfig): Core {
  const endpoint = config.endpoint.replace(/\/$/, '');
  // Browsers keep the session cookie only for credentialed requests; workerd rejects the field.
  const credentials = typeof document == 'object' ? { credentials: 'include' as const } : {};
  const watchers: Array<(session: string | undefined) => void> = [];
  const core: Core = {
    config,
    headers() {
      const h: Record<string, string> = { 'x-appwrite-project': config.project, 'x-sdk-name': 'ledge' };
      if (config.session) h['x-appwrite-session'] = config.session;
      if (config.jwt) h['x-appwrite-jwt'] = config.jwt;
      if (config.key) h['x-appwrite-key'] = config.key;
      if (core.bookmark) h['x-ledge-bookmark'] = core.bookmark;
      return h;
    },
    setSession(session) {
      if (session === config.session) return;
      config.session = session;
      config.onSession?.(session);
      for (const w of watchers) w(session);
    },
    watchSession: (listener) => void watchers.push(listener),
    url(path, params = {}) {
      const [p, rest] = fill(path, params);
      return `${endpoint}${p}?${flatten({ ...rest, project: config.project }, new URLSearchParams())}`;
    },
    async call(method, path, params = {}, options = {}) {
      const form = params instanceof FormData;
      const [p, rest] = form ? [path, params] : fill(path, params);
      let url = endpoint + p;
      const headers = { ...core.headers(), ...options.headers };
      let body: BodyInit | undefined;
      if (method == 'GET') {
        const q = flatten(rest as Params, new URLSearchParams()).toString();
        if (q) url += `?${q}`;
      } else if (form) {
        body = params;
      } else {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(rest);
      }
      let res: Response;
      try {
        res = await (config.fetch ?? fetch)(url, { method, headers, body, signal: options.signal, ...credentials });
      } catch (err) {
        const aborted = options.signal?.aborted;
        throw new LedgeError(aborted ? 'The request was aborted' : String((err as Error)?.message ?? err), 0, aborted ? 'aborted' : 'network_error');
      }
      const bookmark = res.headers.get('x-ledge-bookmark');
      if (bookmark) core.bookmark = bookmark;
      const fallback = res.headers.get('x-fallback-cookies');
      if (fallback) {
        try {
          core.setSession(JSON.parse(fallback)[`a_session_${config.project}`] || undefined);
        } catch {
          // not JSON: nothing to keep
        }
      }
      const text = await res.text();
      let data: any = text;
      try {
        if ((res.headers.get('content-type') ?? '').includes('json')) data = JSON.parse(text);
      } catch {
        // a non-JSON body stays text
      }
      if (!res.ok) throw new LedgeError(data?.message ?? (text || res.statusText), res.status, data?.type ?? 'general_unknown', data);
      return data;
    },
  };
  return core;
}

/** An id the server accepts (`[a-z0-9]`, 20 characters), made on the client so chunks can travel at once. */
export function uniqueId(): string {
  return Date.now().toString(16).padStart(12, '0') + Math.random().toString(16).slice(2, 10).padEnd(8, '0');
}
