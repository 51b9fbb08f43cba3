/**
 * `/v1/tablesdb/transactions` and `/v1/databases/transactions` (Appwrite 1.8+): create (ttl),
 * list, get, createOperations, commit or rollback by PATCH, delete. A transaction belongs to the
 * user or key that created it. Events of committed rows go out only after the commit's batch.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { publishAfterCommit } from '../../events/publish';
import { ApiError } from '../../lib/errors';
import { queriesParam } from '../../lib/validator';
import { query, readBody } from '../../http/body';
import { requireScope } from '../../middleware/principal';
import { commitTransaction } from './commit';
import { parseOperation } from './operations';
import { stageOperations } from './stage';
import {
  createTransaction, deleteTransaction, getTransaction, listTransactions, rollbackTransaction, TTL_DEFAULT, transactionModel,
} from './store';

function transactionRoutes(flavor: 'tablesdb' | 'legacy') {
  const [read, write] = flavor === 'tablesdb' ? ['rows.read', 'rows.write'] : ['documents.read', 'documents.write'];
  return new Hono<AppEnv>()
    .get('/', requireScope(read), query(z.object({ queries: queriesParam })), async (c) => {
      const { total, transactions } = await listTransactions(c.env.DB, c.get('principal'), c.req.valid('query').queries ?? []);
      return c.json({ total, transactions: transactions.map(transactionModel) });
    })
    .post('/', requireScope(write), async (c) => {
      const input = await readBody(c, z.object({ ttl: z.number().nullish() }));
      return c.json(transactionModel(await createTransaction(c.env.DB, c.get('principal'), input.ttl ?? TTL_DEFAULT)), 201);
    })
    .get('/:transactionId', requireScope(read), async (c) => {
      return c.json(transactionModel(await getTransaction(c.env.DB, c.get('principal'), c.req.param('transactionId'))));
    })
    .patch('/:transactionId', requireScope(write), async (c) => {
      const input = await readBody(c, z.object({ commit: z.boolean().nullish(), rollback: z.boolean().nullish() }));
      if (!!input.commit === !!input.rollback) throw new ApiError('general_argument_invalid', 'Exactly one of commit or rollback must be true.');
      const principal = c.get('principal');
      const t = await getTransaction(c.env.DB, principal, c.req.param('transactionId'));
      if (input.rollback) return c.json(transactionModel(await rollbackTransaction(c.env.DB, t)));
      const { record, events } = await commitTransaction(c.env.DB, principal, t);
      publishAfterCommit(c, events);
      return c.json(transactionModel(record));
    })
    .delete('/:transactionId', requireScope(write), async (c) => {
      const t = await getTransaction(c.env.DB, c.get('principal'), c.req.param('transactionId'));
      await deleteTransaction(c.env.DB, t);
      return c.body(null, 204);
    })
    .post('/:transactionId/operations', requireScope(write), async (c) => {
      const input = await readBody(c, z.object({ operations: z.array(z.unknown()).max(1000).nullish() }));
      const principal = c.get('principal');
      const t = await getTransaction(c.env.DB, principal, c.req.param('transactionId'));
      const ops = (input.operations ?? []).map(parseOperation);
      if (!ops.length) throw new ApiError('general_argument_invalid', 'Invalid `operations` param: at least one operation is required');
      const { record } = await stageOperations(c.env.DB, principal, t, ops);
      return c.json(transactionModel(record), 201);
    });
}

export const tablesDbTransactionRoutes = transactionRoutes('tablesdb');
export const legacyTransactionRoutes = transactionRoutes('legacy');
