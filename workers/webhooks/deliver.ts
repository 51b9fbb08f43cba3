import type { EventHandler } from '../events/consumer';
import type { LedgeEvent } from '../events/event';
import { matchesAny } from '../events/match';
import { readConfig } from '../lib/config';
import { dohResolver, guardedFetch, OutboundError, type Resolver } from '../lib/net';
import { findWebhook, recordDelivery, type WebhookRow } from './store';

/**
 * Webhook delivery from the events queue, as Appwrite's webhooks worker sends it: a JSON POST of
 * the event's payload with the X-Appwrite-Webhook-* headers, signed with
 * base64(HMAC-SHA1(url + payload)) under the webhook's key, with optional basic auth and a
 * timeout. Only public hosts are reached (lib/net's SSRF guard, names resolved and checked; the
 * OUTBOUND_ALLOW_PRIVATE dev var lifts that). A failure is recorded on the webhook (`logs`,
 * `attempts`) and thrown, so the consumer retries it with backoff; after WEBHOOK_MAX_ATTEMPTS
 * consecutive failures the webhook is disabled. Each webhook is its own delivery with its own receipt.
 */
export const WEBHOOK_TIMEOUT_MS = 15_000;
export const WEBHOOK_MAX_ATTEMPTS = 10;
const MAX_RESPONSE_BYTES = 1024 * 1024;
const USER_AGENT = 'Appwrite-Server v1.9.6. Please report abuse at security@appwrite.io';

export interface DeliveryOptions {
  /** Host name resolution; DNS-over-HTTPS by default, a fixed table in tests. */
  resolver?: Resolver;
  /** The fetch deliveries are sent with (tests put a receiver here). */
  fetch?: typeof fetch;
  timeoutMs?: number;
  maxAttempts?: number;
}

export async function signature(url: string, payload: string, key: string): Promise<string> {
  const hmac = await crypto.subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', hmac, new TextEncoder().encode(url + payload)));
  return btoa(String.fromCharCode(...mac));
}

const subscribed = (env: Env) => env.DB.prepare('SELECT id, events FROM webhooks WHERE enabled = 1');

/** The webhooks among `rows` (id, events) that `event` reaches. */
function pickWebhooks(event: LedgeEvent, rows: readonly Record<string, unknown>[]): string[] {
  return rows.filter((w) => matchesAny(JSON.parse(String(w.events)) as string[], event.events)).map((w) => String(w.id));
}

/** Sends one event to one webhook; returns Appwrite's failure log, or null when it was delivered. */
export async function sendWebhook(env: Env, hook: WebhookRow, event: LedgeEvent, options: DeliveryOptions = {}): Promise<string | null> {
  const config = readConfig(env);
  const payload = JSON.stringify(event.payload);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'X-Appwrite-Webhook-Id': hook.id,
    'X-Appwrite-Webhook-Events': event.events.join(','),
    'X-Appwrite-Webhook-Name': hook.name,
    'X-Appwrite-Webhook-User-Id': event.userId ?? '',
    'X-Appwrite-Webhook-Project-Id': config.projectId,
    'X-Appwrite-Webhook-Signature': await signature(hook.url, payload, hook.signatureKey),
  };
  if (hook.authUsername && hook.authPassword) headers.Authorization = `Basic ${btoa(`${hook.authUsername}:${hook.authPassword}`)}`;
  const head = `URL: ${hook.url}\nMethod: POST\n`;
  try {
    const res = await guardedFetch(hook.url, {
      resolve: options.resolver ?? dohResolver({ endpoint: config.outbound.dohUrl }),
      allowPrivate: config.outbound.allowPrivate,
      timeoutMs: options.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
      maxBytes: MAX_RESPONSE_BYTES,
      method: 'POST',
      headers,
      body: payload,
      fetch: options.fetch,
    });
    if (res.status < 400) return null;
    return `${head}Status code: ${res.status}\nBody: \n${new TextDecoder().decode(res.body).slice(0, 10_000)}\n`;
  } catch (err) {
    const reason = err instanceof OutboundError ? `${err.message} (${err.reason})` : (err as Error).message;
    return `${head}Client Error: ${reason}\nEvents: ${event.events.join(', ')}\n`;
  }
}

export function webhookDelivery(options: DeliveryOptions = {}): EventHandler {
  return {
    name: 'webhooks',
    subscriptions: { statement: subscribed, pick: pickWebhooks },
    async handle(event, env, webhookId) {
      const hook = webhookId ? await findWebhook(env.DB, webhookId) : null;
      if (!hook || !hook.enabled) return;
      const failure = await sendWebhook(env, hook, event, options);
      const state = await recordDelivery(env.DB, hook.id, failure, options.maxAttempts ?? WEBHOOK_MAX_ATTEMPTS);
      if (failure !== null) {
        throw new Error(`Webhook ${hook.id} failed (attempt ${state.attempts}${state.enabled ? '' : ', now disabled'}): ${failure}`);
      }
    },
  };
}
