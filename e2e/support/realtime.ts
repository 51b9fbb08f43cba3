import { currentJar } from './cookie-jar';

/**
 * What `appwrite@27`'s `Realtime` needs from a browser, in Node 22 (../shared/reference/sdk-in-node.md):
 * a `window` with timers (its heartbeat runs on `window.setInterval`), `console` and
 * `localStorage` (the fallback cookie), and a global `WebSocket` that sends the user's cookies and Origin on the
 * upgrade, as a browser would — Node's own WebSocket takes them as `{ headers }`. The jar is the
 * one bound by `withJar` where the socket is opened.
 */
let installed = false;

/**
 * Keeps nothing: one process plays many users, and a shared store would hand one user's fallback
 * cookie to another's realtime `authentication` frame. Each user's cookies live in its jar.
 */
const forgetfulStorage = { getItem: () => null, setItem: () => {}, removeItem: () => {}, clear: () => {} };

export function installRealtimeGlobals(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as Record<string, unknown>;
  if (!g.window) {
    g.window = { setInterval, clearInterval, setTimeout, clearTimeout, console, localStorage: forgetfulStorage };
  }
  const NodeWebSocket = globalThis.WebSocket;
  class BrowserLikeWebSocket extends NodeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      const jar = currentJar();
      const headers: Record<string, string> = {};
      const cookie = jar?.header();
      if (cookie) headers.Cookie = cookie;
      if (jar?.origin) headers.Origin = jar.origin;
      // Node's (undici's) WebSocket accepts headers in place of the protocols argument.
      super(url, (protocols ?? { headers }) as unknown as string[]);
    }
  }
  g.WebSocket = BrowserLikeWebSocket;
}
