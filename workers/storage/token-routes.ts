/** `/v1/tokens`: file tokens, API keys with `tokens.read`/`tokens.write` (node-appwrite's Tokens service). */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { query, readBody } from '../http/body';
import { requireScope } from '../middleware/principal';
import { ApiError } from '../lib/errors';
import { pageOnly } from '../lib/system-list';
import { parseDate, toAppwriteDate } from '../lib/time';
import { listParams } from '../lib/validator';
import { loadFile } from './file-access';
import { createFileToken, deleteFileToken, getFileToken, listFileTokens, tokenModel, updateFileToken } from './file-tokens';

const expireInput = z.object({ expire: z.string().nullish() });

function expireOf(value: string | null | undefined): string | null {
  if (value == null || value === '') return null;
  const ms = parseDate(value);
  if (ms === null) throw new ApiError('general_argument_invalid', 'Invalid `expire` param: Value must be valid date in ISO 8601 format.');
  return toAppwriteDate(ms);
}

const FILE = '/buckets/:bucketId/files/:fileId';

export const tokenRoutes = new Hono<AppEnv>()
  .get(FILE, requireScope('tokens.read'), query(listParams), async (c) => {
    const { bucket, file } = await loadFile(c.env.DB, c.get('principal'), c.req.param('bucketId'), c.req.param('fileId'));
    const { limit, offset } = pageOnly(c.req.valid('query').queries);
    const { rows, total } = await listFileTokens(c.env.DB, bucket.id, file.id, limit, offset);
    return c.json({ total, tokens: await Promise.all(rows.map((r) => tokenModel(c.env, r))) });
  })
  .post(FILE, requireScope('tokens.write'), async (c) => {
    const input = await readBody(c, expireInput);
    const { bucket, file } = await loadFile(c.env.DB, c.get('principal'), c.req.param('bucketId'), c.req.param('fileId'));
    const row = await createFileToken(c.env.DB, bucket.id, file.id, expireOf(input.expire));
    return c.json(await tokenModel(c.env, row), 201);
  })
  .get('/:tokenId', requireScope('tokens.read'), async (c) => c.json(await tokenModel(c.env, await getFileToken(c.env.DB, c.req.param('tokenId')))))
  .patch('/:tokenId', requireScope('tokens.write'), async (c) => {
    const input = await readBody(c, expireInput);
    return c.json(await tokenModel(c.env, await updateFileToken(c.env.DB, c.req.param('tokenId'), expireOf(input.expire))));
  })
  .delete('/:tokenId', requireScope('tokens.write'), async (c) => {
    await deleteFileToken(c.env.DB, c.req.param('tokenId'));
    return c.body(null, 204);
  });
