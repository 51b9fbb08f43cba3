import { Hono } from 'hono';
import { desc, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { functionRules } from '../db/schema';
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { uniqueId } from '../lib/ids';
import { nowDate } from '../lib/time';
import { body } from '../http/body';
import { requireScope } from '../middleware/principal';
import { getFunction } from './store';

type RuleRow = typeof functionRules.$inferSelect;

/** Appwrite's ProxyRule model for a function rule. */
function ruleModel(row: RuleRow) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.createdAt,
    domain: row.domain,
    type: 'deployment',
    trigger: 'manual',
    redirectUrl: '',
    redirectStatusCode: 0,
    deploymentId: '',
    deploymentResourceType: 'function',
    deploymentResourceId: row.functionId,
    deploymentVcsProviderBranch: row.branch,
    // Recorded only: Ledge routes no custom domains (README "appwrite-cli").
    status: 'unverified',
    logs: '',
    renewAt: '',
  };
}

/**
 * `/v1/proxy/rules` for functions, as appwrite-cli calls it after creating a function. Rules are
 * recorded and listed; Ledge serves every function at `/v1/functions/<id>/http/` and routes no
 * custom domains.
 */
export const functionRuleRoutes = new Hono<AppEnv>()
  .post(
    '/rules/function',
    requireScope('functions.write'),
    body(z.object({ domain: z.string().min(1).max(253).regex(/^[a-z0-9.-]+(:\d+)?$/i, 'Value must be a valid domain'), functionId: z.string().max(36), branch: z.string().max(255).optional() })),
    async (c) => {
      const input = c.req.valid('json');
      const fn = await getFunction(c.env.DB, input.functionId).catch(() => {
        throw new ApiError('rule_resource_not_found');
      });
      const row: RuleRow = { seq: undefined as unknown as number, id: uniqueId(), domain: input.domain.toLowerCase(), functionId: fn.id, branch: input.branch ?? '', createdAt: nowDate() };
      const { seq: _seq, ...values } = row;
      try {
        const [stored] = await drizzle(c.env.DB).insert(functionRules).values(values).returning();
        return c.json(ruleModel(stored), 201);
      } catch (err) {
        if (uniqueViolationText(err)) throw new ApiError('rule_already_exists');
        throw err;
      }
    },
  )
  .get('/rules', requireScope('functions.read'), async (c) => {
    const rows = await drizzle(c.env.DB).select().from(functionRules).orderBy(desc(functionRules.seq)).limit(5000);
    return c.json({ total: rows.length, rules: rows.map(ruleModel) });
  })
  .delete('/rules/:ruleId', requireScope('functions.write'), async (c) => {
    const gone = await drizzle(c.env.DB).delete(functionRules).where(eq(functionRules.id, c.req.param('ruleId'))).returning({ id: functionRules.id });
    if (!gone[0]) throw new ApiError('rule_not_found');
    return c.body(null, 204);
  });
