import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { parseJsonBig } from '../workers/lib/json-big';

/** `call()` options: a `json` value is sent as the JSON body. */
export type CallInit = RequestInit & { key?: string | null; project?: string | null; json?: unknown };

/** A request to the Worker under test, as an SDK would send it. */
export function call(path: string, init: CallInit = {}) {
  const { key, project, json, ...rest } = init;
  const headers = new Headers(init.headers);
  const body = json !== undefined ? JSON.stringify(json) : init.body;
  if (project !== null) headers.set('X-Appwrite-Project', project ?? env.PROJECT_ID);
  if (key !== undefined && key !== null) headers.set('X-Appwrite-Key', key);
  if (body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  return exports.default.fetch(new Request(`http://ledge.test${path}`, { ...rest, body, headers }));
}

export const rootKey = () => env.ROOT_API_KEY;

/** Asserts Appwrite's error shape and returns it. */
export async function errorOf(res: Response) {
  const body = (await res.json()) as { message: string; code: number; type: string; version: string };
  return { status: res.status, ...body };
}

/** Asserts the status (showing the body when it differs) and parses the body, keeping int64 exact. */
export async function okJson<T = Record<string, unknown>>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return (text ? parseJsonBig(text) : null) as T;
}
