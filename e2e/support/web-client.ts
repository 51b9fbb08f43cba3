import { Account, Client } from 'appwrite';
import { CookieJar, withJar } from './cookie-jar';

/**
 * One simulated browser user of the web SDK: a `Client`/`Account` pair and a cookie jar. Wrap each
 * SDK call in `as(() => …)` so it runs with this user's cookies and Origin.
 */
export function webUser(opts: { endpoint: string; projectId: string; origin?: string | null; jar?: CookieJar | null }) {
  const client = new Client().setEndpoint(opts.endpoint).setProject(opts.projectId);
  const jar = opts.jar === null ? null : (opts.jar ?? new CookieJar(opts.origin === undefined ? 'http://localhost' : opts.origin));
  return {
    client,
    account: new Account(client),
    jar,
    as<T>(fn: () => Promise<T>): Promise<T> {
      return jar ? withJar(jar, fn) : fn();
    },
  };
}

/** A fresh address nobody has used in this run. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}
