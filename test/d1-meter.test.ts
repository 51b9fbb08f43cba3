import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../workers/index';

/** D1_METER (bench only): the D1 rows a request read and wrote, in a response header. */
describe('X-Ledge-D1-Rows', () => {
  it('answers X-Ledge-D1-Rows only when D1_METER is on and the request asks', async () => {
    const asked = new Request('http://ledge.test/v1/account', { headers: { 'X-Appwrite-Project': env.PROJECT_ID, 'X-Ledge-D1-Meter': '1' } });
    expect((await exports.default.fetch(asked.clone())).headers.get('X-Ledge-D1-Rows')).toBeNull();
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
    const on = await worker.fetch(asked.clone() as never, { ...env, D1_METER: 'on' }, ctx);
    expect(on.status).toBe(401);
    expect(on.headers.get('X-Ledge-D1-Rows')).toMatch(/^read=\d+; written=0; queries=\d+$/);
    const notAsked = await worker.fetch(new Request('http://ledge.test/v1/ping', { headers: { 'X-Appwrite-Project': env.PROJECT_ID } }) as never, { ...env, D1_METER: 'on' }, ctx);
    expect(notAsked.headers.get('X-Ledge-D1-Rows')).toBeNull();
  });
});
