import { drizzle } from 'drizzle-orm/d1';
import { outbox } from '../db/schema';
import type { Config } from '../lib/config';
import { uniqueId } from '../lib/ids';
import { nowDate } from '../lib/time';
import { resendTransport } from './resend';
import type { Mailer, MailMessage } from './types';

export type { Mailer, MailMessage, Transport } from './types';

export type MailEnv = Env & { MAIL_API_KEY?: string };

async function record(db: D1Database, message: MailMessage, provider: string, status: string, error = '') {
  await drizzle(db).insert(outbox).values({
    id: uniqueId(),
    to: message.to.toLowerCase(),
    subject: message.subject,
    text: message.text,
    html: message.html,
    kind: message.kind,
    provider,
    status,
    error: error.slice(0, 500),
    createdAt: nowDate(),
  });
}

/**
 * The mailer for this deployment (MAIL_PROVIDER): `outbox` keeps mail in D1, readable with the
 * root key; `resend` sends through Resend's API and records the outcome in the same table. A
 * provider failure is recorded and logged, not thrown: like Appwrite's mail queue, the request that
 * asked for the mail has already succeeded.
 */
export function mailerFor(env: MailEnv, config: Pick<Config, 'mailProvider' | 'mailFrom'>): Mailer {
  const provider = config.mailProvider;
  if (provider === 'outbox') {
    return { send: (message) => record(env.DB, message, 'outbox', 'stored') };
  }
  const transport = provider === 'resend' ? resendTransport(env.MAIL_API_KEY ?? '') : null;
  return {
    async send(message) {
      if (!transport) {
        await record(env.DB, message, provider, 'failed', `Unknown MAIL_PROVIDER "${provider}"`);
        return;
      }
      try {
        await transport(message, config.mailFrom);
        await record(env.DB, message, provider, 'sent');
      } catch (err) {
        console.error(`mail to ${provider} failed:`, (err as Error).message);
        await record(env.DB, message, provider, 'failed', (err as Error).message);
      }
    },
  };
}
