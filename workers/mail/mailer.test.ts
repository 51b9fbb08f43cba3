import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uniqueId } from '../lib/ids';
import { mailerFor } from './mailer';
import { RESEND_ENDPOINT, resendTransport } from './resend';
import { otpMail } from './templates';

const message = (to: string) => otpMail({ to, name: 'Ann <script>', project: 'Ledge', code: '123456', phrase: '' });

async function outboxRow(to: string) {
  return env.DB.prepare('SELECT * FROM outbox WHERE "to" = ? ORDER BY seq DESC').bind(to).first<Record<string, string>>();
}

afterEach(() => vi.restoreAllMocks());

describe('mail texts', () => {
  it('carry the code, and escape HTML', () => {
    const m = message('a@example.com');
    expect(m.text).toContain('123456');
    expect(m.html).toContain('Ann &lt;script&gt;');
    expect(m.html).not.toContain('<script>');
  });
});

describe('outbox provider', () => {
  it('keeps the message in D1', async () => {
    const to = `${uniqueId()}@example.com`;
    await mailerFor(env, { mailProvider: 'outbox', mailFrom: 'x@y.z' }).send(message(to));
    expect(await outboxRow(to)).toMatchObject({ provider: 'outbox', status: 'stored', kind: 'otp' });
  });
});

describe('Resend provider', () => {
  it('posts Resend\'s JSON with the API key', async () => {
    const seen: Request[] = [];
    const fake = async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(new Request(input, init));
      return Response.json({ id: 'email_1' });
    };
    await resendTransport('re_key', fake as typeof fetch)(message('b@example.com'), 'Ledge <no-reply@ledge.test>');
    expect(seen).toHaveLength(1);
    expect(seen[0].url).toBe(RESEND_ENDPOINT);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].headers.get('Authorization')).toBe('Bearer re_key');
    expect(await seen[0].json()).toMatchObject({ from: 'Ledge <no-reply@ledge.test>', to: ['b@example.com'], subject: 'OTP for Ledge Login' });
  });

  it('goes through the runtime\'s outbound fetch and records the outcome', async () => {
    const calls: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init);
      calls.push(`${req.method} ${req.url} ${req.headers.get('Authorization')}`);
      const body = (await req.json()) as { to: string[] };
      return body.to[0].startsWith('bounce')
        ? Response.json({ name: 'validation_error', message: 'bad recipient' }, { status: 422 })
        : Response.json({ id: 'email_2' });
    });
    const mailEnv = { ...env, MAIL_API_KEY: 're_secret' };
    const mailer = mailerFor(mailEnv, { mailProvider: 'resend', mailFrom: 'Ledge <no-reply@ledge.test>' });
    const ok = `${uniqueId()}@example.com`;
    await mailer.send(message(ok));
    expect(calls).toEqual([`POST ${RESEND_ENDPOINT} Bearer re_secret`]);
    expect(await outboxRow(ok)).toMatchObject({ provider: 'resend', status: 'sent' });

    vi.spyOn(console, 'error').mockImplementation(() => {});
    const bad = `bounce-${uniqueId()}@example.com`;
    await expect(mailer.send(message(bad))).resolves.toBeUndefined();
    const row = await outboxRow(bad);
    expect(row).toMatchObject({ provider: 'resend', status: 'failed' });
    expect(row?.error).toContain('422');
  });

  it('refuses to send without an API key', async () => {
    await expect(resendTransport('')(message('c@example.com'), 'x@y.z')).rejects.toThrow(/MAIL_API_KEY/);
  });
});
