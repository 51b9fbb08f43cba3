import { Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import { resolveId } from '../lib/ids';
import { assertPasswordPolicy } from '../lib/password';
import { customIdParam, emailParam, nameParam } from '../lib/validator';
import { body } from '../http/body';
import { adminModel, createAdmin, deleteAdmin, listAdmins } from '../identity/admins';

/** The root key, or an admin acting in admin mode; no scoped key, however strong. */
const rootOrAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const p = c.get('principal');
  if (p.kind !== 'key' || (p.keyId !== 'root' && !p.adminId)) {
    throw new ApiError('general_unauthorized_scope', 'Only the root key or a signed-in admin manages admins.');
  }
  return next();
};

/**
 * `/v1/console/admins` (Ledge's own; project requests): who may sign in to the admin realm. The
 * first admin is created here with the root key (`npm run dev` does it; `npm run admin` in
 * production). Passwords meet the users' rules (8–256 bytes; the dictionary when it is on).
 */
export const consoleAdminRoutes = new Hono<AppEnv>()
  .use(rootOrAdmin)
  .get('/admins', async (c) => {
    const rows = await listAdmins(c.env.DB);
    return c.json({ total: rows.length, admins: rows.map(adminModel) });
  })
  .post('/admins', body(z.object({ adminId: customIdParam.optional(), email: emailParam, password: z.string(), name: nameParam.optional() })), async (c) => {
    const input = c.req.valid('json');
    const id = resolveId(input.adminId, 'adminId');
    assertPasswordPolicy(input.password, { dictionary: c.get('config').passwordDictionary, personalData: false });
    return c.json(adminModel(await createAdmin(c.env.DB, { id, email: input.email, password: input.password, name: input.name })), 201);
  })
  .delete('/admins/:adminId', async (c) => {
    await deleteAdmin(c.env.DB, c.req.param('adminId'));
    return c.body(null, 204);
  });
