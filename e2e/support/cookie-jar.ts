import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A browser's cookie store for one simulated user. The web SDK relies on the browser to keep and
 * send cookies (`credentials: 'include'`); Node's fetch keeps none, so `installCookieJars()` wraps
 * `globalThis.fetch` once and each call runs against the jar bound with `withJar()` (AsyncLocalStorage
 * keeps several users apart in one process). Calls made outside any jar pass through untouched.
 */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; expires: number | null }>();

  constructor(
    /** The page's origin, sent as `Origin` like a browser does on credentialed requests. */
    readonly origin: string | null = 'http://localhost',
    /** false: a browser that blocks (third-party) cookies, so only `Origin` is added. */
    readonly keepsCookies = true,
  ) {}

  /** Stores the `Set-Cookie` lines of a response (an expiry in the past deletes). */
  store(setCookies: string[]) {
    if (!this.keepsCookies) return;
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expiresAttr = attrs.find((a) => a.toLowerCase().startsWith('expires='));
      const maxAge = attrs.find((a) => a.toLowerCase().startsWith('max-age='));
      let expires: number | null = expiresAttr ? Date.parse(expiresAttr.slice(8)) : null;
      if (maxAge) expires = Date.now() + Number(maxAge.slice(8)) * 1000;
      if (value === '' || (expires !== null && expires <= Date.now())) this.cookies.delete(name);
      else this.cookies.set(name, { value, expires });
    }
  }

  get(name: string): string | undefined {
    const c = this.cookies.get(name);
    if (!c) return undefined;
    if (c.expires !== null && c.expires <= Date.now()) {
      this.cookies.delete(name);
      return undefined;
    }
    return c.value;
  }

  /** The `Cookie` request header, or '' when the jar is empty. */
  header(): string {
    return [...this.cookies.keys()]
      .map((name) => [name, this.get(name)] as const)
      .filter(([, v]) => v !== undefined)
      .map(([n, v]) => `${n}=${v}`)
      .join('; ');
  }

  clear() {
    this.cookies.clear();
  }
}

const current = new AsyncLocalStorage<CookieJar>();
let installed = false;

export function installCookieJars() {
  if (installed) return;
  installed = true;
  const original = globalThis.fetch;
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const jar = current.getStore();
    if (!jar) return original(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const cookie = jar.header();
    if (cookie) headers.set('Cookie', cookie);
    if (jar.origin && !headers.has('Origin')) headers.set('Origin', jar.origin);
    const res = await original(input, { ...init, headers });
    jar.store(res.headers.getSetCookie());
    return res;
  };
}

/** The jar of the user `fn` runs as (see `withJar`), if any. */
export function currentJar(): CookieJar | undefined {
  return current.getStore();
}

/** Runs `fn` as the user whose browser holds `jar`. */
export function withJar<T>(jar: CookieJar, fn: () => T): T {
  installCookieJars();
  return current.run(jar, fn);
}
