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

/**
 * `/v1/health` and the checks that map onto Ledge's bindings. Each touches the real binding.
 * The v27 SDKs no longer ship a Health service; these are plain HTTP, scope `health.read`.
 */
export const healthRoutes = new Hono<AppEnv>()
  .use(requireScope('health.read'))
  .get('/', async (c) => c.json(status('http', Date.now())))
  .get('/db', async (c) => {
    const s = await check('database', () => probes.db(c.env));
    return c.json({ total: 1, statuses: [s] }, s.status === 'pass' ? 200 : 503);
  })
  .get('/storage', async (c) => {
    const s = await check('storage', () => probes.storage(c.env));
    return c.json(s, s.status === 'pass' ? 200 : 503);
  })
  .get('/storage/local', async (c) => {
    const s = await check('storage', () => probes.storage(c.env));
    return c.json(s, s.status === 'pass' ? 200 : 503);
  })
  .get('/queue', async (c) => {
    const s = await check('queue', () => probes.queue(c.env));
    return c.json(s, s.status === 'pass' ? 200 : 503);
  })
  .get('/time', (c) => {
    const now = Math.floor(Date.now() / 1000);
    return c.json({ remoteTime: now, localTime: now, diff: 0 });
  });
