/**
 * Node side of the no-network guard: Miniflare's `outboundService` for the unit tests. Nothing a
 * handler fetches may leave the machine; every attempt is answered 599 and recorded, and the
 * global teardown (network-guard.setup.ts) fails the run if any was made. Tests that exercise
 * outbound calls stub `fetch` inside the isolate, so their requests never get here.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NETWORK_LOG = join(dirname(fileURLToPath(import.meta.url)), '../../../node_modules/.cache/ledge-network-guard.log');

export function refuseNetwork(request: Request): Response {
  mkdirSync(dirname(NETWORK_LOG), { recursive: true });
  appendFileSync(NETWORK_LOG, `${request.method} ${request.url}\n`);
  return new Response('Ledge tests have no network: stub fetch in the test instead.', { status: 599 });
}

export function clearNetworkLog(): void {
  rmSync(NETWORK_LOG, { force: true });
}

export function networkAttempts(): string[] {
  return existsSync(NETWORK_LOG) ? readFileSync(NETWORK_LOG, 'utf8').split('\n').filter(Boolean) : [];
}
