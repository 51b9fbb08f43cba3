import { describe, expect, it } from 'vitest';
import { call, errorOf, rootKey } from '../../test/helpers';
import { uniqueId } from '../lib/ids';

type KeyList = { total: number; keys: { $id: string; name: string; secret: string }[] };

const json = (value: unknown) => JSON.stringify(value);
const q = (method: string, attribute?: string, values?: unknown[]) => json({ method, attribute, values });

function listKeys(queries: string[], key: string | null = rootKey()) {
  const search = queries.map((text, i) => `queries[${i}]=${encodeURIComponent(text)}`).join('&');
  return call(`/v1/project/keys?${search}`, { key });
}

async function createKey(name: string, scopes: string[] = ['users.read']) {
  const res = await call('/v1/project/keys', { method: 'POST', key: rootKey(), body: json({ keyId: 'unique()', name, scopes }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { $id: string; secret: string };
}

describe('GET /v1/project/keys', () => {
  it('pages keys through the shared query compiler: filters, order, limit, offset and both cursors', async () => {
    const tag = uniqueId();
    const names = ['alpha', 'bravo', 'charlie'].map((n) => `${tag} ${n}`);
    const ids: string[] = [];
    for (const name of names) ids.push((await createKey(name)).$id);
    const mine = q('startsWith', 'name', [tag]);

    const all = (await (await listKeys([mine])).json()) as KeyList;
    expect(all.total).toBe(3);
    expect(all.keys.map((k) => k.$id)).toEqual(ids);
    expect(all.keys.every((k) => k.secret === '')).toBe(true);

    const named = (await (await listKeys([q('equal', 'name', [names[1]])])).json()) as KeyList;
    expect(named.keys.map((k) => k.$id)).toEqual([ids[1]]);

    const desc = (await (await listKeys([mine, q('orderDesc', 'name'), q('limit', undefined, [2])])).json()) as KeyList;
    expect(desc.keys.map((k) => k.name)).toEqual([names[2], names[1]]);
    expect(desc.total).toBe(3);

    const byCreated = (await (await listKeys([mine, q('orderAsc', '$createdAt'), q('offset', undefined, [1])])).json()) as KeyList;
    expect(byCreated.keys.map((k) => k.$id)).toEqual([ids[1], ids[2]]);

    const after = (await (await listKeys([mine, q('cursorAfter', undefined, [ids[0]])])).json()) as KeyList;
    expect(after.keys.map((k) => k.$id)).toEqual([ids[1], ids[2]]);
    const before = (await (await listKeys([mine, q('cursorBefore', undefined, [ids[2]]), q('limit', undefined, [1])])).json()) as KeyList;
    expect(before.keys.map((k) => k.$id)).toEqual([ids[1]]);

    const noTotal = (await (await call(`/v1/project/keys?total=false&queries[0]=${encodeURIComponent(mine)}`, { key: rootKey() })).json()) as KeyList;
    expect(noTotal.total).toBe(0);
    expect(noTotal.keys).toHaveLength(3);
  });

  it('refuses unknown attributes, bad limits, unknown cursors and a taken key id', async () => {
    for (const bad of [q('equal', 'secretHash', ['x']), q('limit', undefined, [0]), 'not json', q('select', undefined, ['name'])]) {
      expect(await errorOf(await listKeys([bad]))).toMatchObject({ status: 400, type: 'general_query_invalid' });
    }
    const taken = await createKey(`${uniqueId()} taken`);
    const again = await call('/v1/project/keys', { method: 'POST', key: rootKey(), json: { keyId: taken.$id, name: 'again', scopes: [] } });
    expect(await errorOf(again)).toMatchObject({ status: 409, type: 'key_already_exists' });
    const cursor = await errorOf(await listKeys([q('cursorAfter', undefined, ['nokey'])]));
    expect(cursor).toMatchObject({ status: 400, type: 'general_cursor_not_found', message: "Key 'nokey' for the 'cursor' value not found." });
  });

  it('refuses a stranger and a key without keys.read', async () => {
    expect(await errorOf(await listKeys([], null))).toMatchObject({ status: 401 });
    const reader = await createKey(`${uniqueId()} reader`);
    expect(await errorOf(await listKeys([], reader.secret))).toMatchObject({ status: 401, type: 'general_unauthorized_scope' });
  });
});
