import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { body, query } from '../http/body';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { checkUrlSyntax, OutboundError } from '../lib/net';
import { boolParam, customIdParam, listParams } from '../lib/validator';
import { requireScope } from '../middleware/principal';
import { createWebhook, deleteWebhook, getWebhook, listWebhooks, rotateSecret, updateWebhook, webhookModel } from './store';

/**
 * `/v1/webhooks`: Appwrite's project webhooks API (API keys with `webhooks.read` /
 * `webhooks.write`). Deliveries are deliver.ts, from the events queue.
 */
const EVENT = /^(\*|[A-Za-z0-9_-]+)(\.(\*|[A-Za-z0-9_-]+))*$/;

const fields = z.object({
  name: z.string().min(1).max(128),
  url: z.url({ protocol: /^https?$/ }).max(2048),
  events: z.array(z.string().max(256).regex(EVENT, 'Value must be a valid event name')).max(100),
  enabled: boolParam.optional(),
  tls: boolParam.optional(),
  authUsername: z.string().max(256).optional(),
  authPassword: z.string().max(256).optional(),
});
const secret = z.string().min(8).max(256).nullish();

/**
 * Appwrite's PublicDomain check at write time, by lib/net's guard minus DNS (names are resolved
 * and checked again at every delivery): no loopback, private, link-local or metadata literals.
 */
function assertPublicTarget(url: string, allowPrivate: boolean) {
  try {
    checkUrlSyntax(url, { allowPrivate });
  } catch (err) {
    if (!(err instanceof OutboundError)) throw err;
    throw new ApiError('general_argument_invalid', `Invalid \`url\` param: Value must be a public domain or address. ${err.message}`);
  }
}

const normalise = (input: z.output<typeof fields>) => ({
  name: input.name,
  url: input.url,
  events: input.events,
  enabled: input.enabled ?? true,
  tls: input.tls ?? false,
  authUsername: input.authUsername ?? '',
  authPassword: input.authPassword ?? '',
});

export const webhookRoutes = new Hono<AppEnv>()
  .get('/', requireScope('webhooks.read'), query(listParams), async (c) => c.json(await listWebhooks(c.env.DB, c.req.valid('query'))))
  .post('/', requireScope('webhooks.write'), body(fields.extend({ webhookId: customIdParam, secret })), async (c) => {
    const input = c.req.valid('json');
    assertPublicTarget(input.url, c.get('config').outbound.allowPrivate);
    const row = await createWebhook(c.env.DB, resolveId(input.webhookId, 'webhookId'), { ...normalise(input), secret: input.secret });
    return c.json(webhookModel(row, true), 201);
  })
  .get('/:webhookId', requireScope('webhooks.read'), async (c) => c.json(webhookModel(await getWebhook(c.env.DB, c.req.param('webhookId')))))
  .put('/:webhookId', requireScope('webhooks.write'), body(fields), async (c) => {
    const input = c.req.valid('json');
    assertPublicTarget(input.url, c.get('config').outbound.allowPrivate);
    return c.json(webhookModel(await updateWebhook(c.env.DB, c.req.param('webhookId'), normalise(input))));
  })
  .patch('/:webhookId/secret', requireScope('webhooks.write'), body(z.object({ secret })), async (c) => {
    return c.json(webhookModel(await rotateSecret(c.env.DB, c.req.param('webhookId'), c.req.valid('json').secret), true));
  })
  .delete('/:webhookId', requireScope('webhooks.write'), async (c) => {
    await deleteWebhook(c.env.DB, c.req.param('webhookId'));
    return c.body(null, 204);
  });
