import { ID, Users } from 'node-appwrite';
import { ledge, serverClient } from './ledge';
import { uniqueEmail, webUser } from './web-client';

export const E2E_PASSWORD = 'a-good-password-1';

/**
 * A user made with the root key (node-appwrite) and signed in through the web SDK, as an app's
 * user would be: the web client carries the session cookie in its own jar.
 */
export async function signedInWebUser(prefix: string, name = 'E2E user') {
  const email = uniqueEmail(prefix);
  const created = await new Users(serverClient()).create({ userId: ID.unique(), email, password: E2E_PASSWORD, name });
  const user = webUser(ledge);
  await user.as(() => user.account.createEmailPasswordSession({ email, password: E2E_PASSWORD }));
  return { ...user, id: created.$id, email };
}
