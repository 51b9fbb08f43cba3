import { Account, Client, ID } from 'appwrite';
import { Client as ServerClient, Users } from 'node-appwrite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper
import { startLedge } from '../scripts/ledge-server.mjs';

/**
 * MAIL_PROVIDER=resend against a fake Resend API served by Miniflare's outbound handler (nothing
 * leaves the machine): account mail reaches the provider with the key, sender and link, and a
 * provider failure is recorded without failing the user's request.
 */

const APP = 'http://app.test';
const received: { auth: string | null; body: { from: string; to: string[]; subject: string; text: string } }[] = [];
let failNext = false;
let ledge: { endpoint: string; projectId: string; rootKey: string; dispose: () => Promise<void> };

beforeAll(async () => {
  ledge = await startLedge({
    vars: { ALLOWED_ORIGINS: APP, RATE_LIMITS: 'disabled', MAIL_PROVIDER: 'resend', MAIL_FROM: 'Ledge <auth@ledge.test>' },
    secrets: { MAIL_API_KEY: 're_test_key' },
    outboundService: async (request: Request) => {
      const url = new URL(request.url);
      if (request.method !== 'POST' || url.origin !== 'https://api.resend.com' || url.pathname !== '/emails') {
        return new Response('unexpected outbound request', { status: 599 });
      }
      if (failNext) {
        failNext = false;
        return Response.json({ statusCode: 422, message: 'Invalid `to` field.' }, { status: 422 });
      }
      received.push({ auth: request.headers.get('Authorization'), body: await request.json() });
      return Response.json({ id: crypto.randomUUID() });
    },
  });
});
afterAll(async () => {
  await ledge?.dispose();
});

async function newUser() {
  const email = `resend-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;
  const users = new Users(new ServerClient().setEndpoint(ledge.endpoint).setProject(ledge.projectId).setKey(ledge.rootKey));
  await users.create({ userId: ID.unique(), email, password: 'correct horse battery' });
  return email;
}

describe('mail through Resend (outbound handler as the fake provider)', () => {
  it('sends recovery mail with the API key, the configured sender and the recovery link', async () => {
    const email = await newUser();
    const account = new Account(new Client().setEndpoint(ledge.endpoint).setProject(ledge.projectId));
    await account.createRecovery({ email, url: `${APP}/reset` });
    const mail = received.find((m) => m.body.to.includes(email));
    expect(mail?.auth).toBe('Bearer re_test_key');
    expect(mail?.body.from).toBe('Ledge <auth@ledge.test>');
    const link = /http:\/\/app\.test\/reset\?[^\s"]+/.exec(mail?.body.text ?? '')?.[0];
    expect(link).toBeDefined();
    const params = new URL(link!).searchParams;
    expect(params.get('userId')).toBeTruthy();
    expect(params.get('secret')).toBeTruthy();
    await account.updateRecovery({ userId: params.get('userId')!, secret: params.get('secret')!, password: 'a brand new passphrase' });
  });

  it('records a provider refusal in the outbox table and still answers the request', async () => {
    const email = await newUser();
    failNext = true;
    const account = new Account(new Client().setEndpoint(ledge.endpoint).setProject(ledge.projectId));
    await account.createRecovery({ email, url: `${APP}/reset` });
    const res = await fetch(`${ledge.endpoint}/mail/outbox?to=${encodeURIComponent(email)}`, {
      headers: { 'X-Appwrite-Project': ledge.projectId, 'X-Appwrite-Key': ledge.rootKey },
    });
    const { messages } = (await res.json()) as { messages: { provider: string; status: string; error: string }[] };
    expect(messages[0]).toMatchObject({ provider: 'resend', status: 'failed' });
    expect(messages[0].error).toContain('422');
  });
});
