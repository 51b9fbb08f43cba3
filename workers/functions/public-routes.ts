import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { clientIp } from '../http/request';
import { ApiError } from '../lib/errors';
import { assertRunnable, executeNow, loadRunTarget } from './execute';
import { SYNC_TIMEOUT_SECONDS } from './run';

/**
 * `/v1/functions/{functionId}/http/*`: a function's public URL, for third parties (Stripe, Zapier,
 * any webhook sender). It needs no project header and no credentials, and exists only for functions
 * whose `execute` includes `any` (or `guests`), as Appwrite's function domains. The request reaches
 * the function as it came — method, path and query after `/http`, every header, the body byte for
 * byte — so the function can verify the sender's signature; the function's answer goes back as is.
 */
export const functionsPublicRoutes = new Hono<AppEnv>().all('/:functionId/http/*', async (c) => {
  const { fn, deployment: active, vars } = await loadRunTarget(c.env.DB, c.req.param('functionId'));
  if (!fn || !fn.enabled) throw new ApiError('function_not_found');
  if (!fn.execute.includes('any') && !fn.execute.includes('guests')) throw new ApiError('function_execute_permission_missing');
  const deployment = assertRunnable(active);
  const url = new URL(c.req.url);
  const prefix = `/v1/functions/${fn.id}/http`;
  const path = (url.pathname.slice(prefix.length) || '/') + url.search;
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = new Uint8Array(await c.req.arrayBuffer());
  const { row, result } = await executeNow(c, {
    fn, deployment, trigger: 'http', method: c.req.method, path, headers, body, user: null, permissions: [],
    clientIp: clientIp(c.req.raw.headers), origin: url.origin, vars, limitSeconds: SYNC_TIMEOUT_SECONDS,
  });
  const out = new Headers(result.headers);
  out.set('x-appwrite-execution-id', row.id);
  const status = result.statusCode >= 200 && result.statusCode <= 599 ? result.statusCode : 500;
  return new Response([101, 204, 205, 304].includes(status) || c.req.method === 'HEAD' ? null : result.body, { status, headers: out });
});
