/**
 * The permission matrix for rows, through HTTP with real sessions: guest, owner, another user, a
 * team member (membership inserted directly), a labelled user, a scoped API key — for get, list,
 * update and delete, with rowSecurity on and off. Every allowed and every refused case is
 * asserted, and lists are checked for leaks: a caller sees exactly its rows, counts and cursors
 * included.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, errorOf, rootKey, okJson } from '../../test/helpers';
import { uniqueId } from '../lib/ids';
import { nowDate } from '../lib/time';

type Json = Record<string, unknown>;
let ipCounter = 1;

/** A caller: sends its cookie or key, nothing for a guest. */
interface Actor {
  name: string;
  req(method: string, path: string, body?: unknown): Promise<Response>;
}

function actor(name: string, auth: { cookie?: string; key?: string } = {}): Actor {
  const ip = `10.9.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;
  return {
    name,
    req(method, path, body) {
      const headers = new Headers({ 'CF-Connecting-IP': ip });
      if (auth.cookie) headers.set('Cookie', auth.cookie);
      return call(path, { method, headers, key: auth.key ?? null, body: body === undefined ? undefined : JSON.stringify(body) });
    },
  };
}

const ok = okJson;

const root = () => actor('root', { key: rootKey() });

/** A user created with the API, optionally labelled, signed in through the account API. */
async function user(name: string, labels: string[] = []): Promise<Actor & { id: string }> {
  const id = uniqueId();
  const email = `${id}@example.com`;
  await ok(await root().req('POST', '/v1/users', { userId: id, email, password: 'a-good-password', name }), 201);
  if (labels.length) await ok(await root().req('PUT', `/v1/users/${id}/labels`, { labels }));
  const ip = `10.8.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;
  const res = await call('/v1/account/sessions/email', {
    method: 'POST', headers: { 'CF-Connecting-IP': ip }, body: JSON.stringify({ email, password: 'a-good-password' }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const cookie = res.headers.getSetCookie().map((l) => l.split(';')[0]).find((p) => p.startsWith(`a_session_${env.PROJECT_ID}=`))!;
  return { ...actor(name, { cookie }), id };
}

async function joinTeam(userId: string, teamId: string, roles: string[] = []) {
  const now = nowDate();
  await env.DB.prepare(
    'INSERT INTO memberships (id, team_id, user_id, roles, invited, joined, confirm, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)',
  ).bind(uniqueId(), teamId, userId, JSON.stringify(roles), now, now, now, now).run();
}

async function scopedKey(scopes: string[]): Promise<Actor> {
  const key = await ok<{ secret: string }>(await root().req('POST', '/v1/project/keys', { keyId: 'unique()', name: 'scoped', scopes }), 201);
  return actor('scoped key', { key: key.secret });
}

const ROW_IDS = ['r-owner', 'r-public', 'r-secret', 'r-team', 'r-vip'] as const;
type RowId = (typeof ROW_IDS)[number];

interface World {
  rows: string;
  actors: Record<'guest' | 'owner' | 'other' | 'member' | 'labelled' | 'key', Actor>;
}

/**
 * One table, five rows: `r-owner` created by the owner with default permissions, the others by
 * the root key with explicit ones.
 */
async function world(table: { permissions: string[]; rowSecurity: boolean }, people: Omit<World['actors'], 'guest' | 'key'>, key: Actor): Promise<World> {
  const db = `db${crypto.randomUUID().slice(0, 8)}`;
  await ok(await root().req('POST', '/v1/tablesdb', { databaseId: db, name: 'Matrix' }), 201);
  const perms = [...table.permissions, 'create("users")'];
  await ok(await root().req('POST', `/v1/tablesdb/${db}/tables`, { tableId: 'notes', name: 'Notes', permissions: perms, rowSecurity: table.rowSecurity }), 201);
  await ok(await root().req('POST', `/v1/tablesdb/${db}/tables/notes/columns/string`, { key: 'text', size: 100, required: true }), 202);
  const rows = `/v1/tablesdb/${db}/tables/notes/rows`;
  await ok(await people.owner.req('POST', rows, { rowId: 'r-owner', data: { text: 'mine' } }), 201);
  const seeded: [RowId, string[]][] = [
    ['r-public', ['read("any")']],
    ['r-secret', []],
    ['r-team', ['read("team:crew")', 'update("team:crew")']],
    ['r-vip', ['read("label:vip")', 'delete("label:vip")']],
  ];
  for (const [id, permissions] of seeded) await ok(await root().req('POST', rows, { rowId: id, data: { text: id }, permissions }), 201);
  return { rows, actors: { guest: actor('guest'), key, ...people } };
}

const q = (o: Json) => encodeURIComponent(JSON.stringify(o));
const byId = `queries[0]=${q({ method: 'orderAsc', attribute: '$id' })}`;

async function expectVisible(w: World, who: keyof World['actors'], visible: RowId[]) {
  const a = w.actors[who];
  for (const id of ROW_IDS) {
    const res = await a.req('GET', `${w.rows}/${id}`);
    if (visible.includes(id)) {
      expect(res.status, `${a.name} GET ${id}`).toBe(200);
    } else {
      const err = await errorOf(res);
      expect([err.status, err.type], `${a.name} GET ${id}`).toEqual([404, 'row_not_found']);
      expect(err.message).toBe(`Row with the requested ID '${id}' could not be found.`);
    }
  }
  const list = await ok<{ total: number; rows: Json[] }>(await a.req('GET', `${w.rows}?${byId}`));
  expect(list.rows.map((r) => r.$id), `${a.name} list`).toEqual(visible);
  expect(list.total, `${a.name} total`).toBe(visible.length);
  // Paging by cursor walks exactly the visible rows; an invisible row is no cursor.
  const walked: string[] = [];
  let cursor: string | null = null;
  for (;;) {
    const extra: string = cursor ? `&queries[1]=${q({ method: 'cursorAfter', values: [cursor] })}&queries[2]=${q({ method: 'limit', values: [1] })}` : `&queries[1]=${q({ method: 'limit', values: [1] })}`;
    const page = await ok<{ total: number; rows: Json[] }>(await a.req('GET', `${w.rows}?${byId}${extra}`));
    expect(page.total).toBe(visible.length);
    if (page.rows.length === 0) break;
    cursor = String(page.rows[0].$id);
    walked.push(cursor);
  }
  expect(walked, `${a.name} cursor walk`).toEqual(visible);
  for (const id of ROW_IDS.filter((r) => !visible.includes(r))) {
    const err = await errorOf(await a.req('GET', `${w.rows}?${byId}&queries[1]=${q({ method: 'cursorAfter', values: [id] })}`));
    expect([err.status, err.type], `${a.name} cursor on ${id}`).toEqual([400, 'general_cursor_not_found']);
  }
  // A filter that only an invisible row would match counts nothing.
  for (const id of ROW_IDS.filter((r) => !visible.includes(r))) {
    const page = await ok<{ total: number; rows: Json[] }>(await a.req('GET', `${w.rows}?queries[0]=${q({ method: 'equal', attribute: '$id', values: [id] })}`));
    expect([page.total, page.rows.length], `${a.name} filter on ${id}`).toEqual([0, 0]);
  }
}

/** Tries `action` on every row (fresh copies for delete) and checks who may. */
async function expectWrites(w: World, who: keyof World['actors'], action: 'update' | 'delete', allowed: RowId[], refusal = { status: 401, type: 'user_unauthorized' }) {
  const a = w.actors[who];
  for (const id of ROW_IDS) {
    const res = action === 'update' ? await a.req('PATCH', `${w.rows}/${id}`, { data: { text: `by ${a.name}` } }) : await a.req('DELETE', `${w.rows}/${id}`);
    if (allowed.includes(id)) {
      expect(res.status, `${a.name} ${action} ${id}: ${await res.clone().text()}`).toBe(action === 'update' ? 200 : 204);
      if (action === 'delete') await restore(w, id);
    } else {
      const err = await errorOf(res);
      expect([err.status, err.type], `${a.name} ${action} ${id}`).toEqual([refusal.status, refusal.type]);
    }
  }
  // Nothing refused was changed: the row is still there, with the text it had.
  for (const id of ROW_IDS.filter((r) => !allowed.includes(r))) {
    const row = await ok<Json>(await root().req('GET', `${w.rows}/${id}`));
    if (action === 'update') expect(row.text, `${id} untouched by ${a.name}`).not.toBe(`by ${a.name}`);
  }
}

const ORIGINAL: Record<RowId, string[]> = {
  'r-owner': [],
  'r-public': ['read("any")'],
  'r-secret': [],
  'r-team': ['read("team:crew")', 'update("team:crew")'],
  'r-vip': ['read("label:vip")', 'delete("label:vip")'],
};

async function restore(w: World, id: RowId) {
  const perms = id === 'r-owner' ? null : ORIGINAL[id];
  const owner = w.actors.owner as Actor & { id?: string };
  const permissions = perms ?? [`read("user:${owner.id}")`, `update("user:${owner.id}")`, `delete("user:${owner.id}")`];
  await ok(await root().req('POST', w.rows, { rowId: id, data: { text: id }, permissions }), 201);
}

describe('row permission matrix', () => {
  let people: Omit<World['actors'], 'guest' | 'key'>;
  let key: Actor;
  beforeAll(async () => {
    const [owner, other, member, labelled] = await Promise.all([user('owner'), user('other'), user('member'), user('labelled', ['vip'])]);
    await joinTeam(member.id, 'crew', ['editor']);
    people = { owner, other, member, labelled };
    key = await scopedKey(['rows.read']);
  });

  describe('rowSecurity on, table grants only create', () => {
    let w: World;
    beforeAll(async () => {
      w = await world({ permissions: [], rowSecurity: true }, people, key);
    });

    it('owner gets default read/update/delete on its own row', async () => {
      const row = await ok<Json>(await root().req('GET', `${w.rows}/r-owner`));
      const id = (people.owner as Actor & { id: string }).id;
      expect(row.$permissions).toEqual([`read("user:${id}")`, `update("user:${id}")`, `delete("user:${id}")`]);
    });

    it('get/list: each caller sees exactly the rows its roles may read', async () => {
      await expectVisible(w, 'guest', ['r-public']);
      await expectVisible(w, 'owner', ['r-owner', 'r-public']);
      await expectVisible(w, 'other', ['r-public']);
      await expectVisible(w, 'member', ['r-public', 'r-team']);
      await expectVisible(w, 'labelled', ['r-public', 'r-vip']);
      await expectVisible(w, 'key', [...ROW_IDS]);
    });

    it('update: only row update permissions count', async () => {
      await expectWrites(w, 'guest', 'update', []);
      await expectWrites(w, 'owner', 'update', ['r-owner']);
      await expectWrites(w, 'other', 'update', []);
      await expectWrites(w, 'member', 'update', ['r-team']);
      await expectWrites(w, 'labelled', 'update', []);
      await expectWrites(w, 'key', 'update', [], { status: 401, type: 'general_unauthorized_scope' });
    });

    it('delete: only row delete permissions count', async () => {
      await expectWrites(w, 'guest', 'delete', []);
      await expectWrites(w, 'other', 'delete', []);
      await expectWrites(w, 'member', 'delete', []);
      await expectWrites(w, 'labelled', 'delete', ['r-vip']);
      await expectWrites(w, 'owner', 'delete', ['r-owner']);
      await expectWrites(w, 'key', 'delete', [], { status: 401, type: 'general_unauthorized_scope' });
    });

    it('create: table create is needed, and a user may grant only roles it holds', async () => {
      const guest = await errorOf(await w.actors.guest.req('POST', w.rows, { rowId: 'unique()', data: { text: 'g' } }));
      expect([guest.status, guest.type]).toEqual([401, 'user_unauthorized']);
      expect(guest.message).toBe('Missing "create" permission for role "users". Only "["any","guests"]" scopes are allowed and "["users"]" was given.');
      const other = people.other as Actor & { id: string };
      const grab = await errorOf(await other.req('POST', w.rows, { rowId: 'unique()', data: { text: 'x' }, permissions: ['read("team:crew")'] }));
      expect([grab.status, grab.type]).toEqual([401, 'user_unauthorized']);
      expect(grab.message).toMatch(/^Permissions must be one of: \(any, users, .*user:/);
      const upd = await errorOf(await w.actors.member.req('PATCH', `${w.rows}/r-team`, { permissions: ['read("any")', 'update("label:vip")'] }));
      expect([upd.status, upd.type]).toEqual([401, 'user_unauthorized']);
      const mine = await ok<Json>(await w.actors.member.req('POST', w.rows, { rowId: 'unique()', data: { text: 'm' }, permissions: ['read("team:crew/editor")', 'write("users")'] }), 201);
      expect(mine.$permissions).toEqual(['read("team:crew/editor")', 'update("users")', 'delete("users")']);
    });
  });

  describe('rowSecurity off: only table permissions count', () => {
    let w: World;
    beforeAll(async () => {
      w = await world({ permissions: ['read("users")', 'update("team:crew")', 'delete("label:vip")'], rowSecurity: false }, people, key);
    });

    it('get/list: signed-in users see every row, guests none (list refused)', async () => {
      for (const who of ['owner', 'other', 'member', 'labelled', 'key'] as const) await expectVisible(w, who, [...ROW_IDS]);
      for (const id of ROW_IDS) {
        const err = await errorOf(await w.actors.guest.req('GET', `${w.rows}/${id}`));
        expect([err.status, err.type]).toEqual([404, 'row_not_found']);
      }
      const list = await errorOf(await w.actors.guest.req('GET', w.rows));
      expect([list.status, list.type]).toEqual([401, 'user_unauthorized']);
    });

    it('update: the team may update every row, the owner not even its own', async () => {
      await expectWrites(w, 'member', 'update', [...ROW_IDS]);
      await expectWrites(w, 'owner', 'update', []);
      await expectWrites(w, 'other', 'update', []);
      await expectWrites(w, 'labelled', 'update', []);
      await expectWrites(w, 'guest', 'update', []);
    });

    it('delete: the label may delete every row, nobody else', async () => {
      await expectWrites(w, 'owner', 'delete', []);
      await expectWrites(w, 'member', 'delete', []);
      await expectWrites(w, 'other', 'delete', []);
      await expectWrites(w, 'guest', 'delete', []);
      await expectWrites(w, 'labelled', 'delete', [...ROW_IDS]);
    });
  });

  it('a disabled table is not found for users and guests, still served to keys', async () => {
    const w = await world({ permissions: ['read("any")'], rowSecurity: false }, people, key);
    const db = w.rows.split('/')[3];
    await ok(await root().req('PUT', `/v1/tablesdb/${db}/tables/notes`, { name: 'Notes', enabled: false, permissions: ['read("any")', 'create("users")'], rowSecurity: false }));
    for (const who of ['guest', 'owner'] as const) {
      const err = await errorOf(await w.actors[who].req('GET', `${w.rows}/r-public`));
      expect([err.status, err.type]).toEqual([404, 'table_not_found']);
    }
    await ok(await w.actors.key.req('GET', `${w.rows}/r-public`));
  });
});
