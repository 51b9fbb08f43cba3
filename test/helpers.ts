import { env, exports } from 'cloudflare:workers';

/** A request to the Worker under test, as an SDK would send it. */
export function call(path: string, init: RequestInit & { key?: string | null; project?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (init.project !== null) headers.set('X-Appwrite-Project', init.project ?? env.PROJECT_ID);
  if (init.key !== undefined && init.key !== null) headers.set('X-Appwrite-Key', init.key);
  if (init.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  return exports.default.fetch(new Request(`http://ledge.test${path}`, { ...init, headers }));
}

export const rootKey = () => env.ROOT_API_KEY;

/** Asserts Appwrite's error shape and returns it. */
export async function errorOf(res: Response) {
  const body = (await res.json()) as { message: string; code: number; type: string; version: string };
  return { status: res.status, ...body };
}
