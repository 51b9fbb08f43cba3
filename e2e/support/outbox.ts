/**
 * Reads the mail Ledge kept (MAIL_PROVIDER=outbox) through `GET /v1/mail/outbox` with the root
 * key, newest first, and pulls the links and codes out of the texts.
 */
export interface OutboxMessage {
  $id: string;
  $createdAt: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  kind: string;
  provider: string;
  status: string;
}

export async function readOutbox(opts: { endpoint: string; projectId: string; rootKey: string }, to: string): Promise<OutboxMessage[]> {
  const res = await fetch(`${opts.endpoint}/mail/outbox?to=${encodeURIComponent(to)}`, {
    headers: { 'X-Appwrite-Project': opts.projectId, 'X-Appwrite-Key': opts.rootKey },
  });
  if (!res.ok) throw new Error(`outbox: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { messages: OutboxMessage[] }).messages;
}

/** The newest message of `kind` to `to`; fails loudly when there is none. */
export async function latestMail(opts: { endpoint: string; projectId: string; rootKey: string }, to: string, kind: string) {
  const message = (await readOutbox(opts, to)).find((m) => m.kind === kind);
  if (!message) throw new Error(`no ${kind} mail for ${to}`);
  return message;
}

/** The first URL in a mail starting with `prefix`, with its query parameters. */
export function linkIn(message: OutboxMessage, prefix: string): URL {
  const found = message.text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!found) throw new Error(`no link starting with ${prefix} in: ${message.text}`);
  return new URL(found);
}

/** The six-digit code of an OTP mail. */
export function codeIn(message: OutboxMessage): string {
  const code = /\b(\d{6})\b/.exec(message.text)?.[1];
  if (!code) throw new Error(`no code in: ${message.text}`);
  return code;
}
