import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { requireScope } from '../middleware/principal';

/** Appwrite's HealthStatus model. */
function status(name: string, startedAt: number, ok = true) {
  return { name, ping: Date.now() - startedAt, status: ok ? 'pass' : 'fail' };
}

async function check(name: string, probe: () => Promise<unknown>) {
  const start = Date.now();
  try {
    await probe();
    return status(name, start);
  } catch {
    return status(name, start, false);
  }
}

const probes = {
  db: (env: Env) => env.DB.prepare('SELECT 1 AS ok').first(),
  storage: (env: Env) => env.FILES.head('.health'),
  queue: (env: Env) => env.EVENTS.send({ event: 'health.check', payload: {} }),
};

const scope = requireScope('health.read');

/**
 * `/v1/health` and the checks that map onto Ledge's bindings. Each touches the real binding.
 * The v27 SDKs no longer ship a Health service; these are plain HTTP, scope `health.read`, checked
 * per route so that an unknown `/v1/health/*` path is a 404, not a 401. (`/version` is public:
 * see version.ts.)
 */
export const healthRoutes = new Hono<AppEnv>()
  .get('/', scope, async (c) => c.json(status('http', Date.now())))
  .get('/db', scope, async (c) => {
    const s = await check('database', () => probes.db(c.env));
    return c.json({ total: 1, statuses: [s] }, s.status === 'pass' ? 200 : 503);
  })
  .get('/storage', scope, async (c) => {
    const s = await check('storage', () => probes.storage(c.env));
    return c.json(s, s.status === 'pass' ? 200 : 503);
  })
  .get('/storage/local', scope, async (c) => {
    const s = await check('storage', () => probes.storage(c.env));
    return c.json(s, s.status === 'pass' ? 200 : 503);
  })
  .get('/queue', scope, async (c) => {
    const s = await check('queue', () => probes.queue(c.env));
    return c.json(s, s.status === 'pass' ? 200 : 503);
  })
  .get('/time', scope, (c) => {
    const now = Math.floor(Date.now() / 1000);
    return c.json({ remoteTime: now, localTime: now, diff: 0 });
  });
