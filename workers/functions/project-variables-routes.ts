import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { resolveId } from '../lib/ids';
import { boolParam, customIdParam, listParams } from '../lib/validator';
import { body, query } from '../http/body';
import { requireScope } from '../middleware/principal';
import { variableFields } from './rules';
import { createVariable, deleteVariable, getVariable, listVariables, PROJECT_SCOPE, updateVariable, variableModel } from './variables';

/**
 * `/v1/project/variables` (node-appwrite's Project service; scopes `project.read` /
 * `project.write`): variables every function's isolate gets, under its own of the same key. They
 * live with the functions' variables (variables.ts), so a function run reads both in one query.
 */
export const projectVariableRoutes = new Hono<AppEnv>()
  .get('/variables', requireScope('project.read'), query(listParams), async (c) => c.json(await listVariables(c.env.DB, PROJECT_SCOPE, c.req.valid('query'))))
  .post('/variables', requireScope('project.write'), body(variableFields.extend({ variableId: customIdParam.optional() })), async (c) => {
    const input = c.req.valid('json');
    const row = await createVariable(c.env.DB, PROJECT_SCOPE, { id: resolveId(input.variableId, 'variableId'), key: input.key, value: input.value, secret: input.secret ?? false });
    return c.json(variableModel(row), 201);
  })
  .get('/variables/:variableId', requireScope('project.read'), async (c) => c.json(variableModel(await getVariable(c.env.DB, PROJECT_SCOPE, c.req.param('variableId')))))
  .put(
    '/variables/:variableId',
    requireScope('project.write'),
    body(z.object({ key: z.string().min(1).max(255), value: z.string().max(8192).optional(), secret: boolParam.optional() })),
    async (c) => c.json(variableModel(await updateVariable(c.env.DB, PROJECT_SCOPE, c.req.param('variableId'), c.req.valid('json')))),
  )
  .delete('/variables/:variableId', requireScope('project.write'), async (c) => {
    await deleteVariable(c.env.DB, PROJECT_SCOPE, c.req.param('variableId'));
    return c.body(null, 204);
  });
