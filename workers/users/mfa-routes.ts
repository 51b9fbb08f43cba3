import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import { boolParam } from '../lib/validator';
import { body } from '../http/body';
import { requireScope } from '../middleware/principal';
import { recoveryKeys } from '../identity/mfa/recovery-codes';
import { deleteAuthenticator, factorsModel, issueRecoveryCodes, readRecoveryCodes } from '../identity/mfa/store';
import { publishAfterCommit } from '../events/publish';
import { userEvent } from '../identity/events';
import { getUser, updateUser, userModel, type UserRow } from '../identity/users';

/**
 * `/v1/users/{userId}/mfa…`: the Users admin side of MFA (API keys). An admin can turn MFA off,
 * remove a lost authenticator and read or reissue recovery codes for a locked-out user; none of
 * these need a recent challenge, as in Appwrite. Note the verbs: PATCH creates codes, PUT
 * regenerates them (Appwrite's Users API, the reverse of the Account API).
 */
type C = Context<AppEnv>;

function emitUser(c: C, name: string, row: UserRow) {
  publishAfterCommit(c, [userEvent(`users.${row.id}.${name}`, row.id, userModel(row))]);
}

export const usersMfaRoutes = new Hono<AppEnv>()
  .patch('/:userId/mfa', requireScope('users.write'), body(z.object({ mfa: boolParam })), async (c) => {
    const row = await updateUser(c.env.DB, c.req.param('userId'), { mfa: c.req.valid('json').mfa });
    emitUser(c, 'update.mfa', row);
    return c.json(userModel(row, { secrets: true }));
  })
  .get('/:userId/mfa/factors', requireScope('users.read'), async (c) => {
    const user = await getUser(c.env.DB, c.req.param('userId'));
    return c.json(await factorsModel(c.env.DB, user));
  })
  .delete('/:userId/mfa/authenticators/:type', requireScope('users.write'), async (c) => {
    const user = await getUser(c.env.DB, c.req.param('userId'));
    const type = c.req.param('type');
    if (type !== 'totp') throw new ApiError('general_argument_invalid', 'Invalid `type` param: Value must be one of (totp)');
    await deleteAuthenticator(c.env.DB, user.id, type);
    emitUser(c, 'delete.mfa', user);
    return c.body(null, 204);
  })
  .get('/:userId/mfa/recovery-codes', requireScope('users.read'), async (c) => {
    const user = await getUser(c.env.DB, c.req.param('userId'));
    const recoveryCodes = await readRecoveryCodes(c.env.DB, await recoveryKeys(c.env), user.id);
    if (recoveryCodes.length === 0) throw new ApiError('user_recovery_codes_not_found');
    return c.json({ recoveryCodes });
  })
  .patch('/:userId/mfa/recovery-codes', requireScope('users.write'), async (c) => {
    const user = await getUser(c.env.DB, c.req.param('userId'));
    const recoveryCodes = await issueRecoveryCodes(c.env.DB, await recoveryKeys(c.env), user.id, 'create');
    emitUser(c, 'create.mfa.recovery-codes', user);
    return c.json({ recoveryCodes });
  })
  .put('/:userId/mfa/recovery-codes', requireScope('users.write'), async (c) => {
    const user = await getUser(c.env.DB, c.req.param('userId'));
    const recoveryCodes = await issueRecoveryCodes(c.env.DB, await recoveryKeys(c.env), user.id, 'regenerate');
    emitUser(c, 'update.mfa.recovery-codes', user);
    return c.json({ recoveryCodes });
  });
