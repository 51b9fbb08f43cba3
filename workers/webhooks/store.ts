import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { webhooks } from '../db/schema';
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { randomSecret } from '../lib/crypto';
import { loadInKeyOrder, runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';
import { nowDate } from '../lib/time';

export type WebhookRow = typeof webhooks.$inferSelect;

/**
 * Appwrite's Webhook model. The signature key (`secret`) and the basic-auth password are shown
 * only when set (create, secret rotation), like API key secrets in Ledge.
 */
export function webhookModel(row: WebhookRow, reveal = false) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    name: row.name,
    url: row.url,
    events: row.events,
    tls: row.tls,
    authUsername: row.authUsername,
    authPassword: reveal ? row.authPassword : '',
    secret: reveal ? row.signatureKey : '',
    enabled: row.enabled,
    logs: row.logs,
    attempts: row.attempts,
  };
}

export interface WebhookFields {
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
  tls: boolean;
  authUsername: string;
  authPassword: string;
}

/** Appwrite generates 128 hex characters when no secret is given. */
export const newSignatureKey = () => randomSecret(64);

export async function createWebhook(db: D1Database, id: string, input: WebhookFields & { secret?: string | null }): Promise<WebhookRow> {
  const now = nowDate();
  try {
    const [row] = await drizzle(db)
      .insert(webhooks)
      .values({ id, ...input, events: [...new Set(input.events)], signatureKey: input.secret ?? newSignatureKey(), createdAt: now, updatedAt: now })
      .returning();
    return row;
  } catch (err) {
    if (uniqueViolationText(err)) throw new ApiError('webhook_already_exists');
    throw err;
  }
}

export async function findWebhook(db: D1Database, id: string): Promise<WebhookRow | null> {
  return (await drizzle(db).select().from(webhooks).where(eq(webhooks.id, id)).limit(1))[0] ?? null;
}

export async function getWebhook(db: D1Database, id: string): Promise<WebhookRow> {
  const row = await findWebhook(db, id);
  if (!row) throw new ApiError('webhook_not_found');
  return row;
}

/** Appwrite's update: enabling a webhook forgets its failed attempts. */
export async function updateWebhook(db: D1Database, id: string, input: WebhookFields): Promise<WebhookRow> {
  const [row] = await drizzle(db)
    .update(webhooks)
    .set({ ...input, events: [...new Set(input.events)], ...(input.enabled ? { attempts: 0 } : {}), updatedAt: nowDate() })
    .where(eq(webhooks.id, id))
    .returning();
  if (!row) throw new ApiError('webhook_not_found');
  return row;
}

export async function rotateSecret(db: D1Database, id: string, secret: string | null | undefined): Promise<WebhookRow> {
  const [row] = await drizzle(db)
    .update(webhooks)
    .set({ signatureKey: secret ?? newSignatureKey(), updatedAt: nowDate() })
    .where(eq(webhooks.id, id))
    .returning();
  if (!row) throw new ApiError('webhook_not_found');
  return row;
}

export async function deleteWebhook(db: D1Database, id: string): Promise<void> {
  const gone = await drizzle(db).delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
  if (!gone[0]) throw new ApiError('webhook_not_found');
}

const WEBHOOK_LIST: SystemList = {
  noun: 'Webhook',
  target: systemTarget('webhooks', 'seq', {
    name: ['name', 'text'],
    url: ['url', 'text'],
    authUsername: ['auth_username', 'text'],
    tls: ['tls', 'boolean'],
    events: ['events', 'text', true],
    enabled: ['enabled', 'boolean'],
    logs: ['logs', 'text'],
    attempts: ['attempts', 'integer'],
  }),
};

export async function listWebhooks(db: D1Database, input: SystemListInput) {
  const { keys, total } = await runSystemList(db, WEBHOOK_LIST, input);
  const rows = await loadInKeyOrder(keys, webhooks.seq, (where) => drizzle(db).select().from(webhooks).where(where), (r) => r.seq);
  return { total, webhooks: rows.map((r) => webhookModel(r)) };
}

/** Records a delivery's outcome: success clears the failures; a failure counts, and too many disable. */
export async function recordDelivery(db: D1Database, id: string, failure: string | null, maxAttempts: number): Promise<{ attempts: number; enabled: boolean }> {
  if (failure === null) {
    await db.prepare('UPDATE webhooks SET attempts = 0 WHERE id = ? AND attempts > 0').bind(id).run();
    return { attempts: 0, enabled: true };
  }
  const row = await db
    .prepare('UPDATE webhooks SET attempts = attempts + 1, logs = ?, enabled = CASE WHEN attempts + 1 >= ? THEN 0 ELSE enabled END, updated_at = ? WHERE id = ? RETURNING attempts, enabled')
    .bind(failure, maxAttempts, nowDate(), id)
    .first<{ attempts: number; enabled: number }>();
  return { attempts: row?.attempts ?? 0, enabled: !!row?.enabled };
}
