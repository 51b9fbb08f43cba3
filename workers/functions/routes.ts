import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { makeEvent } from '../events/event';
import { publishAfterCommit } from '../events/publish';
import { body, query } from '../http/body';
import { resolveId } from '../lib/ids';
import { boolParam, customIdParam, listParams } from '../lib/validator';
import { requireScope } from '../middleware/principal';
import { deleteFunctionData } from './cleanup';
import { functionFields, variableFields } from './rules';
import { RUNTIMES, SPECIFICATION } from './runtimes';
import { createFunction, functionView, getFunction, listFunctions, updateFunction } from './store';
import { createVariable, deleteVariable, getVariable, listVariables, updateVariable, variableModel } from './variables';

/**
 * `/v1/functions`: the Functions admin API as node-appwrite and appwrite-cli call it (API keys with
 * `functions.read` / `functions.write`): functions, runtimes, specifications and variables.
 * Deployments and executions have their own route files, mounted on the same prefix.
 */
type C = Context<AppEnv>;

function emit(c: C, name: string, payload: Record<string, unknown>) {
  publishAfterCommit(c, [makeEvent([name], payload, [])]);
}

export const functionsAdminRoutes = new Hono<AppEnv>()
  .get('/runtimes', requireScope('functions.read'), (c) => c.json({ total: RUNTIMES.length, runtimes: RUNTIMES }))
  .get('/specifications', requireScope('functions.read'), (c) => c.json({ total: 1, specifications: [SPECIFICATION] }))
  .get('/', requireScope('functions.read'), query(listParams), async (c) => c.json(await listFunctions(c.env.DB, c.req.valid('query'))))
  .post('/', requireScope('functions.write'), body(functionFields.extend({ functionId: customIdParam })), async (c) => {
    const input = c.req.valid('json');
    const row = await createFunction(c.env.DB, resolveId(input.functionId, 'functionId'), input);
    const model = await functionView(c.env.DB, row);
    emit(c, `functions.${row.id}.create`, model);
    return c.json(model, 201);
  })
  .get('/:functionId', requireScope('functions.read'), async (c) => c.json(await functionView(c.env.DB, await getFunction(c.env.DB, c.req.param('functionId')))))
  .put('/:functionId', requireScope('functions.write'), body(functionFields), async (c) => {
    const row = await updateFunction(c.env.DB, c.req.param('functionId'), c.req.valid('json'));
    const model = await functionView(c.env.DB, row);
    emit(c, `functions.${row.id}.update`, model);
    return c.json(model);
  })
  .delete('/:functionId', requireScope('functions.write'), async (c) => {
    const row = await getFunction(c.env.DB, c.req.param('functionId'));
    const model = await functionView(c.env.DB, row);
    await deleteFunctionData(c.env, row.id);
    emit(c, `functions.${row.id}.delete`, model);
    return c.body(null, 204);
  })
  .get('/:functionId/variables', requireScope('functions.read'), query(listParams), async (c) => {
    const fn = await getFunction(c.env.DB, c.req.param('functionId'));
    return c.json(await listVariables(c.env.DB, fn.id, c.req.valid('query')));
  })
  .post('/:functionId/variables', requireScope('functions.write'), body(variableFields.extend({ variableId: customIdParam.optional() })), async (c) => {
    const fn = await getFunction(c.env.DB, c.req.param('functionId'));
    const input = c.req.valid('json');
    const row = await createVariable(c.env.DB, fn.id, {
      id: resolveId(input.variableId, 'variableId'),
      key: input.key,
      value: input.value,
      secret: input.secret ?? false,
    });
    return c.json(variableModel(row), 201);
  })
  .get('/:functionId/variables/:variableId', requireScope('functions.read'), async (c) => {
    const fn = await getFunction(c.env.DB, c.req.param('functionId'));
    return c.json(variableModel(await getVariable(c.env.DB, fn.id, c.req.param('variableId'))));
  })
  .put(
    '/:functionId/variables/:variableId',
    requireScope('functions.write'),
    body(z.object({ key: z.string().min(1).max(255), value: z.string().max(8192).optional(), secret: boolParam.optional() })),
    async (c) => {
      const fn = await getFunction(c.env.DB, c.req.param('functionId'));
      return c.json(variableModel(await updateVariable(c.env.DB, fn.id, c.req.param('variableId'), c.req.valid('json'))));
    },
  )
  .delete('/:functionId/variables/:variableId', requireScope('functions.write'), async (c) => {
    const fn = await getFunction(c.env.DB, c.req.param('functionId'));
    await deleteVariable(c.env.DB, fn.id, c.req.param('variableId'));
    return c.body(null, 204);
  });
