import { Client, type AppwriteException } from 'node-appwrite';
import { expect, inject } from 'vitest';

/** The one Ledge that e2e/global-setup.ts started for this run. */
export const ledge = { endpoint: inject('endpoint'), projectId: inject('projectId'), rootKey: inject('rootKey') };

/** A node-appwrite client for Ledge with an API key (the root key by default), a JWT or a session secret. */
export function serverClient(auth: string | { jwt: string } | { session: string } = ledge.rootKey): Client {
  const client = new Client().setEndpoint(ledge.endpoint).setProject(ledge.projectId);
  if (typeof auth === 'string') return client.setKey(auth);
  return 'jwt' in auth ? client.setJWT(auth.jwt) : client.setSession(auth.session);
}

/**
 * The error of a call that must be refused. The web SDK and node-appwrite each have their own
 * AppwriteException class, so it is recognised by name; both carry `code`, `type` and `response`.
 */
export async function refusal(promise: Promise<unknown>): Promise<AppwriteException> {
  try {
    await promise;
  } catch (err) {
    expect((err as Error).name).toBe('AppwriteException');
    return err as AppwriteException;
  }
  throw new Error('expected the call to be refused');
}
