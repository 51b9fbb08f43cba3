import type { HonoRequest } from 'hono';

/**
 * What routes and middleware read off a request besides its validated input. Plain headers in,
 * plain values out, so stores, the queue consumer and Durable Objects can use them too.
 */

/** The caller's IP: Cloudflare's header, else the first X-Forwarded-For hop (local tools), else loopback. */
export function clientIp(headers: Headers): string {
  return headers.get('CF-Connecting-IP') ?? headers.get('X-Forwarded-For')?.split(',')[0]?.trim() ?? '127.0.0.1';
}

/** Where a change came from, as the security log and sessions record it. */
export interface RequestMeta {
  ip: string;
  userAgent: string;
}

export function requestMeta(headers: Headers): RequestMeta {
  return { ip: clientIp(headers), userAgent: headers.get('User-Agent') ?? 'UNKNOWN' };
}

/**
 * A string field of the JSON body, lowercased ('' when absent or not JSON): rate-limit keys name
 * the email or user before the route validates the body. Reads through Hono's body cache, so the
 * route's own `body()` reads the same text again for free.
 */
export async function bodyField(req: HonoRequest, name: string): Promise<string> {
  const type = req.header('Content-Type');
  if (type && !/^application\/([a-z-.]+\+)?json/i.test(type)) return '';
  let data: unknown;
  try {
    data = JSON.parse(await req.text());
  } catch {
    return '';
  }
  const v = data && typeof data === 'object' ? (data as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v.toLowerCase() : '';
}
