import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { asRoot, okJson } from '../../test/helpers';
import { variableValues } from './variables';

/** Project variables (`/v1/project/variables`) reach every function's env, under its own. */
afterEach(async () => {
  await env.DB.prepare("DELETE FROM function_variables WHERE function_id IN ('', 'fn1')").run();
});

describe('project variables', () => {
  it('every function sees them; its own variable of the same key wins; secrets stay hidden', async () => {
    const a = await okJson<{ resourceType: string }>(await asRoot('/v1/project/variables', { method: 'POST', json: { variableId: 'region', key: 'REGION', value: 'eu' } }), 201);
    expect(a.resourceType).toBe('project');
    await okJson(await asRoot('/v1/project/variables', { method: 'POST', json: { variableId: 'greeting', key: 'GREETING', value: 'hi', secret: true } }), 201);
    expect((await okJson<{ value: string }>(await asRoot('/v1/project/variables/greeting'))).value).toBe('');
    await env.DB.prepare("INSERT INTO function_variables (id, function_id, key, value, secret, created_at, updated_at) VALUES ('own', 'fn1', 'GREETING', 'hello', 0, '', '')").run();
    expect(await variableValues(env.DB, 'fn1')).toEqual({ REGION: 'eu', GREETING: 'hello' });
    expect(await variableValues(env.DB, 'fn2')).toEqual({ REGION: 'eu', GREETING: 'hi' });
    await env.DB.prepare("DELETE FROM function_variables WHERE function_id = 'fn1'").run();
  });
});
