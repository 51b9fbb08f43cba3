import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { AUTH_METHODS, type AuthMethod } from '../lib/config';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { boolParam, intParam, listParams } from '../lib/validator';
import { pageOnly } from '../lib/system-list';
import { body, query } from '../http/body';
import { requireScope } from '../middleware/principal';
import { configFor, currentSettings, effectiveConfig } from '../settings/cache';
import { readConfig } from '../lib/config';
import { platformModel, policyModel, POLICY_IDS, projectModel, type PolicyId } from '../settings/models';
import { createPlatform, deletePlatform, getPlatform, updateAuth, updatePlatform, PLATFORM_TYPES, type PlatformType } from '../settings/store';

type C = Context<AppEnv>;

/** The request field naming each platform type's identifier (Appwrite's). */
const IDENTIFIER: Record<PlatformType, string> = {
  web: 'hostname',
  apple: 'bundleIdentifier',
  android: 'applicationId',
  windows: 'packageIdentifierName',
  linux: 'packageName',
};

const name = z.string().min(1).max(128);
const identifier = z.string().min(1).max(256).regex(/^[^\s/?#@]+$/, 'Value must be a host name or app identifier without scheme, path or spaces');

/** The Project model on the settings as they are now (this request's own change included). */
async function currentProject(c: C) {
  const settings = await currentSettings(c.env.DB);
  return projectModel(effectiveConfig(readConfig(c.env), settings), settings);
}

function platformRoutes() {
  const routes = new Hono<AppEnv>();
  for (const type of PLATFORM_TYPES) {
    const field = IDENTIFIER[type];
    routes.post(`/platforms/${type}`, requireScope('project.write'), body(z.object({ platformId: z.string(), name, [field]: identifier })), async (c) => {
      const input = c.req.valid('json') as Record<string, string>;
      const row = await createPlatform(c.env.DB, { id: resolveId(input.platformId, 'platformId'), type, name: input.name, identifier: input[field] });
      return c.json(platformModel(row), 201);
    });
    routes.put(`/platforms/${type}/:platformId`, requireScope('project.write'), body(z.object({ name, [field]: identifier })), async (c) => {
      const input = c.req.valid('json') as Record<string, string>;
      const id = c.req.param('platformId');
      const existing = await getPlatform(c.env.DB, id);
      if (existing.type !== type) throw new ApiError('platform_method_unsupported');
      return c.json(platformModel(await updatePlatform(c.env.DB, id, type, { name: input.name, identifier: input[field] })));
    });
  }
  return routes;
}

const policyBodies = {
  'password-dictionary': z.object({ enabled: boolParam }).transform((b) => ({ passwordDictionary: b.enabled })),
  'password-personal-data': z.object({ enabled: boolParam }).transform((b) => ({ passwordPersonalData: b.enabled })),
  'session-duration': z.object({ duration: intParam.pipe(z.number().min(5).max(31_536_000)) }).transform((b) => ({ sessionDuration: b.duration })),
  // `total: null` lifts the limit; unlike Appwrite, a missing `total` is refused (an empty body changes nothing).
  'session-limit': z.object({ total: intParam.pipe(z.number().min(1).max(5000)).nullable() }).transform((b) => ({ sessionLimit: b.total ?? 0 })),
} as const;

function policyRoutes() {
  const routes = new Hono<AppEnv>();
  for (const id of POLICY_IDS) {
    routes.patch(`/policies/${id}`, requireScope('project.write'), body(policyBodies[id]), async (c) => {
      await updateAuth(c.env.DB, c.req.valid('json'));
      return c.json(await currentProject(c));
    });
  }
  return routes;
}

/**
 * `/v1/project` settings as node-appwrite's Project service calls them: the project, auth methods,
 * platforms and policies (scopes `project.read` / `project.write`). Changes are live within 5 s
 * on every isolate (workers/settings).
 */
export const projectSettingsRoutes = new Hono<AppEnv>()
  .get('/', requireScope('project.read'), async (c) => c.json(await currentProject(c)))
  .patch('/auth-methods/:methodId', requireScope('project.write'), body(z.object({ enabled: boolParam })), async (c) => {
    const method = c.req.param('methodId');
    if (!(AUTH_METHODS as readonly string[]).includes(method)) {
      throw new ApiError('general_argument_invalid', `Invalid \`methodId\` param: Value must be one of (${AUTH_METHODS.join(', ')})`);
    }
    await updateAuth(c.env.DB, { methods: { [method as AuthMethod]: c.req.valid('json').enabled } });
    return c.json(await currentProject(c));
  })
  .get('/platforms', requireScope('project.read'), query(listParams), async (c) => {
    const { limit, offset } = pageOnly(c.req.valid('query').queries);
    const all = (await currentSettings(c.env.DB)).platforms;
    return c.json({ total: c.req.valid('query').total ? all.length : 0, platforms: all.slice(offset, offset + limit).map(platformModel) });
  })
  .route('/', platformRoutes())
  .get('/platforms/:platformId', requireScope('project.read'), async (c) => c.json(platformModel(await getPlatform(c.env.DB, c.req.param('platformId')))))
  .delete('/platforms/:platformId', requireScope('project.write'), async (c) => {
    await deletePlatform(c.env.DB, c.req.param('platformId'));
    return c.body(null, 204);
  })
  .get('/policies', requireScope('project.read'), async (c) => {
    const config = await configFor(c.env);
    return c.json({ total: POLICY_IDS.length, policies: POLICY_IDS.map((id) => policyModel(id, config)) });
  })
  .route('/', policyRoutes())
  .get('/policies/:policyId', requireScope('project.read'), async (c) => {
    const id = c.req.param('policyId');
    if (!(POLICY_IDS as readonly string[]).includes(id)) throw new ApiError('general_route_not_found', `Policy "${id}" is not supported by Ledge.`);
    return c.json(policyModel(id as PolicyId, await configFor(c.env)));
  });
