import { guardedFetch, OutboundError, type Resolver } from '../lib/net';

/**
 * Every request a function's code makes (`fetch`) arrives here, through the isolate's
 * `globalOutbound` (the FunctionOutbound entrypoint in workers/index.ts, given these props):
 * calls to APPWRITE_FUNCTION_API_ENDPOINT go to Ledge's own app in-process — no network, no DNS,
 * the same Worker — and anything else is refused unless the function allows the host
 * (its LEDGE_ALLOWED_HOSTS variable), and then only to public addresses.
 */
export interface OutboundProps {
  functionId: string;
  /** APPWRITE_FUNCTION_API_ENDPOINT, e.g. https://api.ledge.internal/v1. */
  endpoint: string;
  /** Hosts the function may reach besides Ledge: exact names or `*.example.com`. */
  allowedHosts: string[];
  /** Milliseconds an outbound request to an allowed host may take (the function's timeout). */
  timeoutMs: number;
}

export interface OutboundDeps {
  /** Ledge's app, called in-process. */
  app(request: Request): Promise<Response>;
  /** A guarded fetch to an allowed host (public addresses only). */
  external(request: Request): Promise<Response>;
}

/** The variable a function lists its allowed outbound hosts in (comma-separated). */
export const ALLOWED_HOSTS_VARIABLE = 'LEDGE_ALLOWED_HOSTS';

export function parseAllowedHosts(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => /^(\*\.)?[a-z0-9.-]+$/.test(h));
}

export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowed.some((entry) => (entry.startsWith('*.') ? h.endsWith(entry.slice(1)) : h === entry));
}

export class OutboundRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefused';
  }
}

export function isLedgeApi(url: URL, endpoint: string): boolean {
  const api = new URL(endpoint);
  const base = api.pathname.replace(/\/+$/, '');
  return url.origin === api.origin && (url.pathname === base || url.pathname.startsWith(`${base}/`));
}

export async function routeOutbound(request: Request, props: OutboundProps, deps: OutboundDeps): Promise<Response> {
  const url = new URL(request.url);
  if (isLedgeApi(url, props.endpoint)) return deps.app(request);
  if (hostAllowed(url.hostname, props.allowedHosts)) return deps.external(request);
  throw new OutboundRefused(
    `Outbound request to ${url.host} refused: function ${props.functionId} may only call Ledge (${props.endpoint}) and the hosts in its ${ALLOWED_HOSTS_VARIABLE} variable.`,
  );
}

/**
 * A request to an allowed host, through lib/net's SSRF guard: public addresses only (unless the
 * deployment lets private ones through for development), bounded in time and size.
 */
export async function fetchAllowedHost(request: Request, props: OutboundProps, policy: { resolve: Resolver; allowPrivate: boolean; timeoutMs: number }): Promise<Response> {
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : new Uint8Array(await request.arrayBuffer());
  try {
    const res = await guardedFetch(request.url, {
      resolve: policy.resolve,
      allowPrivate: policy.allowPrivate,
      allowedHosts: props.allowedHosts,
      timeoutMs: policy.timeoutMs,
      maxBytes: 32 * 1024 * 1024,
      maxRedirects: 5,
      method: request.method,
      headers: request.headers,
      body,
    });
    return new Response(res.body, { status: res.status, headers: res.headers });
  } catch (err) {
    if (err instanceof OutboundError) throw new OutboundRefused(`Outbound request to ${new URL(request.url).host} refused: ${err.message}`);
    throw err;
  }
}
