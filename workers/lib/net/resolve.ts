/**
 * Host name → IP addresses. A Worker has no resolver API, so names are resolved over
 * DNS-over-HTTPS (RFC 8484's JSON flavour). Tests and callers inject their own `Resolver`.
 */
export type Resolver = (hostname: string, signal?: AbortSignal) => Promise<string[]>;

export interface DohOptions {
  /** A DoH endpoint answering `application/dns-json`; Cloudflare's public resolver by default. */
  endpoint?: string;
  /** The fetch to send queries with (tests inject one). */
  fetch?: typeof fetch;
}

export const DEFAULT_DOH_ENDPOINT = 'https://cloudflare-dns.com/dns-query';

const RECORD_A = 1;
const RECORD_AAAA = 28;

interface DohAnswer {
  Status?: number;
  Answer?: { type: number; data: string }[];
}

/** Thrown when a name cannot be resolved (NXDOMAIN, SERVFAIL, or the resolver failing). */
export class ResolveError extends Error {}

/**
 * A resolver that asks a DoH endpoint for A and AAAA records in parallel and returns every address
 * (CNAME chains are followed by the resolver; their records are skipped here).
 */
export function dohResolver(options: DohOptions = {}): Resolver {
  const endpoint = options.endpoint ?? DEFAULT_DOH_ENDPOINT;
  const send = options.fetch ?? fetch;
  async function query(name: string, type: number, signal?: AbortSignal): Promise<string[]> {
    const url = `${endpoint}?name=${encodeURIComponent(name)}&type=${type}`;
    const res = await send(url, { headers: { accept: 'application/dns-json' }, signal });
    if (!res.ok) throw new ResolveError(`DNS resolver answered ${res.status}`);
    const body = (await res.json()) as DohAnswer;
    // 3 is NXDOMAIN: the name does not exist, which is an empty answer, not a resolver failure.
    if (body.Status !== undefined && body.Status !== 0 && body.Status !== 3) throw new ResolveError(`DNS status ${body.Status}`);
    return (body.Answer ?? []).filter((a) => a.type === type).map((a) => a.data);
  }
  return async function resolveDoh(hostname, signal) {
    const [v4, v6] = await Promise.all([query(hostname, RECORD_A, signal), query(hostname, RECORD_AAAA, signal)]);
    return [...v4, ...v6];
  };
}

/** A fixed table, for tests and for local setups that pin names: unknown names resolve to nothing. */
export function staticResolver(table: Record<string, string[]>): Resolver {
  return async (hostname) => table[hostname.toLowerCase()] ?? [];
}
