import { classifyAddress } from './addresses';
import { ResolveError, type Resolver } from './resolve';

/**
 * The one guard for requests Ledge makes to URLs its callers name (avatars' getImage/getFavicon,
 * webhooks, functions' allowed hosts): only http(s), no credentials in the URL, and a host that is
 * — and resolves only to — public addresses. Every redirect hop is checked again. The fetch is
 * bounded in time (DNS and redirects included) and in body size.
 *
 * What it cannot close: the runtime's fetch resolves the name again, so a resolver answering
 * differently the second time (DNS rebinding) is out of its reach. On Cloudflare the Worker's
 * egress is the public internet, which bounds that risk; a self-hosted workerd should also
 * firewall its egress.
 */

export type RefusalReason =
  | 'invalid_url' | 'scheme' | 'credentials' | 'host' | 'private_address' | 'unresolvable'
  | 'redirect' | 'too_large' | 'timeout' | 'network';

export class OutboundError extends Error {
  constructor(readonly reason: RefusalReason, message: string) {
    super(message);
    this.name = 'OutboundError';
  }
}

export interface OutboundPolicy {
  /** Resolves host names; `dohResolver()` in production, a fixed table in tests. */
  resolve: Resolver;
  /** Let private, loopback and link-local targets through (local development only). */
  allowPrivate?: boolean;
  /** URL schemes allowed, with the colon; `['http:', 'https:']` by default. */
  schemes?: readonly string[];
  /** When set, only these hosts: exact names, or `*.example.com` for its subdomains. */
  allowedHosts?: readonly string[];
}

const DEFAULT_SCHEMES = ['http:', 'https:'];

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    return e.startsWith('*.') ? host.endsWith(e.slice(1)) : host === e;
  });
}

/**
 * The checks that need no DNS: scheme, credentials, allowed hosts, and a host that is not a
 * non-public IP literal (in any spelling the URL parser normalises), `localhost` or a single-label
 * name. Returns the URL and, when its host is a name still to be resolved and checked, that name.
 * Callers that validate a URL when it is stored (webhooks) use this; `checkUrl` adds the DNS step.
 */
export function checkUrlSyntax(input: string | URL, policy: Omit<OutboundPolicy, 'resolve'>): { url: URL; name: string | null } {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new OutboundError('invalid_url', 'Invalid URL.');
  }
  if (!(policy.schemes ?? DEFAULT_SCHEMES).includes(url.protocol)) {
    throw new OutboundError('scheme', `Scheme '${url.protocol.replace(':', '')}' is not allowed.`);
  }
  if (url.username || url.password) throw new OutboundError('credentials', 'URLs with credentials are not allowed.');
  const host = url.hostname.replace(/\.$/, '').toLowerCase();
  if (!host) throw new OutboundError('host', 'URL has no host.');
  if (policy.allowedHosts && !hostAllowed(host, policy.allowedHosts)) {
    throw new OutboundError('host', `Host '${host}' is not allowed.`);
  }
  if (policy.allowPrivate) return { url, name: null };

  const literal = classifyAddress(host);
  if (literal !== null) {
    if (literal !== 'public') throw new OutboundError('private_address', `Address '${host}' is not public (${literal}).`);
    return { url, name: null };
  }
  if (host === 'localhost' || host.endsWith('.localhost')) {
    throw new OutboundError('private_address', `Host '${host}' is not public (loopback).`);
  }
  // A single-label name (`metadata`, `intranet`) is never a public host.
  if (!host.includes('.')) throw new OutboundError('host', `Host '${host}' is not a public domain name.`);
  return { url, name: host };
}

/**
 * Parses `input` and checks it against `policy`, resolving its host. Returns the URL to fetch;
 * throws an `OutboundError` saying why not.
 */
export async function checkUrl(input: string | URL, policy: OutboundPolicy, signal?: AbortSignal): Promise<URL> {
  const { url, name: host } = checkUrlSyntax(input, policy);
  if (host === null) return url;

  let addresses: string[];
  try {
    addresses = await policy.resolve(host, signal);
  } catch (err) {
    if (signal?.aborted) throw new OutboundError('timeout', 'The request timed out.');
    throw new OutboundError('unresolvable', err instanceof ResolveError ? `Host '${host}' could not be resolved: ${err.message}` : `Host '${host}' could not be resolved.`);
  }
  if (addresses.length === 0) throw new OutboundError('unresolvable', `Host '${host}' does not resolve.`);
  for (const address of addresses) {
    const kind = classifyAddress(address);
    if (kind !== 'public') {
      throw new OutboundError('private_address', `Host '${host}' resolves to an address that is not public (${kind ?? 'invalid'}).`);
    }
  }
  return url;
}

export interface GuardedFetchOptions extends OutboundPolicy {
  /** Milliseconds for the whole exchange: DNS, every redirect hop and reading the body. */
  timeoutMs: number;
  /** Largest body read, in bytes; a larger one is refused (`too_large`). */
  maxBytes: number;
  /** Redirects followed, each re-checked; a redirect past the limit is returned as it is. Default 0. */
  maxRedirects?: number;
  method?: string;
  headers?: HeadersInit;
  body?: string | Uint8Array;
  /** The fetch to send with (tests inject one). */
  fetch?: typeof fetch;
}

export interface OutboundResponse {
  /** The URL that answered, after redirects. */
  url: URL;
  status: number;
  headers: Headers;
  body: Uint8Array;
}

async function readBounded(res: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? '');
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw new OutboundError('too_large', `The response is larger than ${maxBytes} bytes.`);
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new OutboundError('too_large', `The response is larger than ${maxBytes} bytes.`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function fail(reason: RefusalReason, message: string): never {
  throw new OutboundError(reason, message);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Fetches `input` under the policy, following at most `maxRedirects` checked redirects. */
export async function guardedFetch(input: string | URL, options: GuardedFetchOptions): Promise<OutboundResponse> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const send = options.fetch ?? fetch;
  let method = options.method ?? 'GET';
  let body = options.body;
  let target: string | URL = input;
  try {
    for (let hop = 0; ; hop++) {
      const url = await checkUrl(target, options, signal);
      const res = await send(url, { method, headers: options.headers, body, redirect: 'manual', signal });
      const location = res.headers.get('location');
      if (REDIRECTS.has(res.status) && location && hop < (options.maxRedirects ?? 0)) {
        await res.body?.cancel();
        target = URL.canParse(location, url.href) ? new URL(location, url) : fail('redirect', 'The redirect location is not a valid URL.');
        if (res.status !== 307 && res.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return { url, status: res.status, headers: res.headers, body: await readBounded(res, options.maxBytes) };
    }
  } catch (err) {
    if (err instanceof OutboundError) throw err;
    if (signal.aborted) throw new OutboundError('timeout', `The request took longer than ${options.timeoutMs} ms.`);
    throw new OutboundError('network', 'The remote server could not be reached.');
  }
}
