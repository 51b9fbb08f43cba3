import type { MailMessage, Transport } from './types';

export const RESEND_ENDPOINT = 'https://api.resend.com/emails';

/** Resend's HTTP API (https://resend.com/docs/api-reference/emails/send-email). */
export function resendTransport(apiKey: string, fetcher: typeof fetch = (...args) => fetch(...args)): Transport {
  return async (message: MailMessage, from: string) => {
    if (!apiKey) throw new Error('MAIL_API_KEY is not set');
    const res = await fetcher(RESEND_ENDPOINT, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ from, to: [message.to], subject: message.subject, text: message.text, html: message.html }),
    });
    if (!res.ok) {
      const detail = await res.text().catch(() => '');
      throw new Error(`Resend answered ${res.status}: ${detail.slice(0, 200)}`);
    }
    await res.body?.cancel();
  };
}
