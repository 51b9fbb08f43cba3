import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { publishUserEvent } from '../identity/events';
import { userModel, type UserRow } from '../identity/users';
import { ApiError } from '../lib/errors';
import { mailerFor, type MailMessage } from '../mail/mailer';

/** Steps only the Account routes share: the session route group, the Account model, events, mail. */
type C = Context<AppEnv>;

/** Appwrite's `session` route group: no new session while one is active. */
export function assertNoSession(c: C) {
  if (c.get('principal').kind === 'user') throw new ApiError('user_session_already_exists');
}

export const accountModel = (row: UserRow) => userModel(row);

/** Publishes after the write has committed; only the user may see their account events. */
export function emit(c: C, names: string[], payload: Record<string, unknown>, userId: string) {
  publishUserEvent(c, names, payload, userId);
}

export function mailer(c: C) {
  return mailerFor(c.env, c.get('config'));
}

export async function sendMail(c: C, message: MailMessage) {
  await mailer(c).send(message);
}
