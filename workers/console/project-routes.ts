import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import { readConfig } from '../lib/config';
import { pageOnly } from '../lib/system-list';
import { listParams } from '../lib/validator';
import { query } from '../http/body';
import { listAdmins } from '../identity/admins';
import { currentSettings, effectiveConfig } from '../settings/cache';
import { ORGANIZATION_ID, projectModel } from '../settings/models';
import { signedInAdmin } from './caller';

type C = Context<AppEnv>;

async function theProject(c: C) {
  const settings = await currentSettings(c.env.DB);
  return projectModel(effectiveConfig(readConfig(c.env), settings), settings);
}

/**
 * `equal` filters of a console list (`teamId`, `$id`, `name`) held against the one item; other
 * query methods (order, cursor) cannot change a list of one. Unparseable queries are a 400.
 */
function matches(item: Record<string, unknown>, queries: string[]): boolean {
  for (const raw of queries) {
    let q: { method?: unknown; attribute?: unknown; values?: unknown };
    try {
      q = JSON.parse(raw) as typeof q;
    } catch {
      throw new ApiError('general_argument_invalid', `Invalid query: ${raw.slice(0, 100)}`);
    }
    if (q.method === 'equal' && typeof q.attribute === 'string' && Array.isArray(q.values)) {
      if (!q.values.includes(item[q.attribute])) return false;
    }
  }
  return true;
}

function listOfOne<T extends Record<string, unknown>>(item: T, queries: string[]) {
  const { limit, offset } = pageOnly(queries.filter((q) => /"method"\s*:\s*"(limit|offset)"/.test(q)));
  const hit = matches(item, queries) ? [item] : [];
  return { total: hit.length, items: hit.slice(offset, offset + limit) };
}

/**
 * The console's project and organization calls that appwrite-cli makes (`init project`,
 * `pull settings`, `push`): one deployment serves one project, in one organization. Admins only.
 */
export const consoleProjectRoutes = new Hono<AppEnv>()
  .get('/projects', query(listParams), async (c) => {
    signedInAdmin(c);
    const { total, items } = listOfOne(await theProject(c), c.req.valid('query').queries);
    return c.json({ total, projects: items });
  })
  .get('/projects/:projectId', async (c) => {
    signedInAdmin(c);
    if (c.req.param('projectId') !== c.get('config').projectId) throw new ApiError('project_not_found');
    return c.json(await theProject(c));
  })
  .get('/teams', query(listParams), async (c) => {
    signedInAdmin(c);
    const admins = await listAdmins(c.env.DB);
    const team = { $id: ORGANIZATION_ID, $createdAt: admins[0]?.createdAt ?? '', $updatedAt: admins[0]?.createdAt ?? '', name: c.get('config').projectName, total: admins.length, prefs: {} };
    const { total, items } = listOfOne(team, c.req.valid('query').queries);
    return c.json({ total, teams: items });
  })
  // Appwrite's console variables, for the CLI's function and site pushes (Ledge has no custom
  // domains: functions answer at /v1/functions/<id>/http/ on the API host).
  .get('/console/variables', async (c) => {
    signedInAdmin(c);
    const host = new URL(c.req.url).host;
    return c.json({
      _APP_DOMAIN_TARGET: host, _APP_DOMAIN_FUNCTIONS: host, _APP_DOMAIN_SITES: host, _APP_DOMAIN_TARGET_CNAME: host,
      _APP_DOMAIN_TARGET_A: '', _APP_DOMAIN_TARGET_AAAA: '', _APP_DOMAIN_TARGET_CAA: '', _APP_DOMAIN_ENABLED: false,
      _APP_STORAGE_LIMIT: c.get('config').storageLimit, _APP_COMPUTE_SIZE_LIMIT: 30_000_000, _APP_FUNCTIONS_SIZE_LIMIT: 30_000_000,
      _APP_USAGE_STATS: 'disabled', _APP_VCS_ENABLED: false, _APP_ASSISTANT_ENABLED: false, _APP_COMPUTE_BUILD_TIMEOUT: 900,
      _APP_OPTIONS_FORCE_HTTPS: 'disabled',
    });
  });
