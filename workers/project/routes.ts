import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { KEY_SCOPES } from '../lib/scopes';
import { parseDate, toAppwriteDate } from '../lib/time';
import { listParams } from '../lib/validator';
import { body, query } from '../http/body';
import { requireScope } from '../middleware/principal';
import { createKey, deleteKey, getKey, keyModel, listKeys, updateKey } from './store';

const scopes = z.array(z.enum(KEY_SCOPES)).max(100);
const expire = z
  .string()
  .nullish()
  .transform((v, ctx) => {
    if (v === null || v === undefined || v === '') return null;
    const ms = parseDate(v);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: 'Value must be a valid date in ISO 8601 format.' });
      return z.NEVER;
    }
    return toAppwriteDate(ms);
  });

/**
 * A key may grant only scopes it holds itself (the root key holds all); a session can't manage keys.
 */
function assertGrantable(held: ReadonlySet<string>, wanted: string[]) {
  const missing = wanted.filter((s) => !held.has(s));
  if (missing.length) {
    throw new ApiError('general_unauthorized_scope', `The API key cannot grant scopes it does not hold: ${missing.join(', ')}`);
  }
}

/** `/v1/project/keys`: API key management, as `node-appwrite`'s Project service calls it. */
export const projectRoutes = new Hono<AppEnv>()
  .get('/keys', requireScope('keys.read'), query(listParams), async (c) => c.json(await listKeys(c.env.DB, c.req.valid('query'))))
  .post(
    '/keys',
    requireScope('keys.write'),
    body(z.object({ keyId: z.string(), name: z.string().min(1).max(128), scopes, expire })),
    async (c) => {
      const input = c.req.valid('json');
      assertGrantable(c.get('principal').scopes, input.scopes);
      const key = await createKey(c.env.DB, {
        id: resolveId(input.keyId, 'keyId'),
        name: input.name,
        scopes: [...new Set(input.scopes)],
        expire: input.expire,
      });
      return c.json(key, 201);
    },
  )
  .get('/keys/:keyId', requireScope('keys.read'), async (c) => c.json(keyModel(await getKey(c.env.DB, c.req.param('keyId')))))
  .put(
    '/keys/:keyId',
    requireScope('keys.write'),
    body(z.object({ name: z.string().min(1).max(128), scopes, expire })),
    async (c) => {
      const input = c.req.valid('json');
      assertGrantable(c.get('principal').scopes, input.scopes);
      return c.json(await updateKey(c.env.DB, c.req.param('keyId'), { ...input, scopes: [...new Set(input.scopes)] }, c.get('principal').scopes));
    },
  )
  .delete('/keys/:keyId', requireScope('keys.write'), async (c) => {
    await deleteKey(c.env.DB, c.req.param('keyId'), c.get('principal').scopes);
    return c.body(null, 204);
  });
