import { env } from 'cloudflare:workers';
import { makePng } from '../../test/png';
import { principals, runScenarios, type Scenario } from '../../test/scenario';
import { makeBucket, upload } from './testing/fixtures';

/**
 * The bucket/file permission matrix (Appwrite's container/item rule): with fileSecurity off only
 * the bucket's grants count; with it on, a file's own grants count too. A stranger gets the same
 * answer for an existing file as for a missing one, on every read route.
 */
async function setup() {
  const p = await principals({ scopes: ['files.read', 'files.write'] });
  const team = p.teamMember.teamId;
  const png = await makePng(16, 16);
  const off = await makeBucket({ fileSecurity: false, permissions: [`read("team:${team}")`, `update("team:${team}")`, 'create("users")'] });
  const on = await makeBucket({ fileSecurity: true, permissions: ['create("users")'] });
  const up = async (bucketId: string, fileId: string, headers: Record<string, string>, permissions?: string[]) => {
    const res = await upload(bucketId, { fileId, file: { bytes: png, name: 'p.png' }, permissions }, { headers });
    if (res.status !== 201) throw new Error(`upload ${fileId}: ${res.status} ${await res.text()}`);
  };
  await up(off.$id, 'f-off', { 'X-Appwrite-Key': env.ROOT_API_KEY }, [`read("user:${p.userA.userId}")`]);
  // The owner (the team's owner) uploads into the fileSecurity bucket and shares reading with the team.
  const o = p.teamOwner.userId;
  await up(on.$id, 'f-on', p.teamOwner.headers, [`read("user:${o}")`, `update("user:${o}")`, `delete("user:${o}")`, `read("team:${team}")`]);
  return { p, off: off.$id, on: on.$id };
}

const READS = ['', '/download', '/view', '/preview?width=8'];

runScenarios('storage permissions: fileSecurity off (bucket grants only)', async () => {
  const { p, off } = await setup();
  const f = (id: string, tail = '') => `/v1/storage/buckets/${off}/files/${id}${tail}`;
  const s: Scenario[] = [];
  for (const tail of READS) {
    // userA is named on the file, but fileSecurity is off: file grants do not count.
    for (const who of [p.guest, p.userA, p.userB, p.labelled]) {
      s.push({ name: 'refused', as: who, path: f('f-off', tail), status: 401, type: 'user_unauthorized', notContains: ['p.png'] });
      s.push({ name: 'missing looks the same', as: who, path: f('nope', tail), status: 401, type: 'user_unauthorized' });
    }
    s.push({ name: 'team owner (holds the team role) reads', as: p.teamOwner, path: f('f-off', tail), status: 200 });
    s.push({ name: 'team member reads', as: p.teamMember, path: f('f-off', tail), status: 200 });
    s.push({ name: 'scoped key reads', as: p.scopedKey, path: f('f-off', tail), status: 200 });
    s.push({ name: 'key without files.read', as: p.unscopedKey, path: f('f-off', tail), status: 401, type: 'general_unauthorized_scope' });
  }
  s.push(
    { name: 'guest cannot list', as: p.guest, path: `/v1/storage/buckets/${off}/files`, status: 401, type: 'user_unauthorized', notContains: ['f-off'] },
    { name: 'user B cannot list', as: p.userB, path: `/v1/storage/buckets/${off}/files`, status: 401, type: 'user_unauthorized' },
    { name: 'member lists', as: p.teamMember, path: `/v1/storage/buckets/${off}/files`, status: 200, contains: [{ total: 1 }, 'f-off'] },
    { name: 'member renames (bucket update)', as: p.teamMember, method: 'PUT', path: f('f-off'), json: { name: 'renamed.png' }, status: 200, contains: [{ name: 'renamed.png' }] },
    { name: 'member cannot delete (no bucket delete)', as: p.teamMember, method: 'DELETE', path: f('f-off'), status: 401, type: 'user_unauthorized' },
    { name: 'guest cannot upload (create is for users)', as: p.guest, method: 'POST', path: `/v1/storage/buckets/${off}/files`, json: {}, status: 401, type: 'user_unauthorized' },
    { name: 'owner named on the file still cannot delete', as: p.userA, method: 'DELETE', path: f('f-off'), status: 401, type: 'user_unauthorized' },
  );
  return s;
});

runScenarios('storage permissions: fileSecurity on (file grants count)', async () => {
  const { p, on } = await setup();
  const owner = p.teamOwner;
  const f = (id: string, tail = '') => `/v1/storage/buckets/${on}/files/${id}${tail}`;
  const s: Scenario[] = [];
  for (const tail of READS) {
    for (const who of [p.guest, p.userA, p.userB, p.labelled]) {
      s.push({ name: 'stranger: as missing', as: who, path: f('f-on', tail), status: 404, type: 'storage_file_not_found', notContains: ['p.png'] });
      s.push({ name: 'missing', as: who, path: f('nope', tail), status: 404, type: 'storage_file_not_found' });
    }
    s.push({ name: 'owner reads', as: owner, path: f('f-on', tail), status: 200 });
    s.push({ name: 'team member reads (file grant)', as: p.teamMember, path: f('f-on', tail), status: 200 });
    s.push({ name: 'scoped key reads', as: p.scopedKey, path: f('f-on', tail), status: 200 });
  }
  const list = `/v1/storage/buckets/${on}/files`;
  s.push(
    { name: 'guest lists nothing', as: p.guest, path: list, status: 200, contains: [{ total: 0, files: [] }], notContains: ['f-on'] },
    { name: 'user B lists nothing', as: p.userB, path: list, status: 200, contains: [{ total: 0 }], notContains: ['f-on'] },
    { name: 'member lists the shared file', as: p.teamMember, path: list, status: 200, contains: [{ total: 1 }, 'f-on'] },
    { name: 'scoped key lists', as: p.scopedKey, path: list, status: 200, contains: [{ total: 1 }] },
    { name: 'user B cannot update (as missing)', as: p.userB, method: 'PUT', path: f('f-on'), json: { name: 'x' }, status: 404, type: 'storage_file_not_found' },
    { name: 'member cannot update', as: p.teamMember, method: 'PUT', path: f('f-on'), json: { name: 'x' }, status: 401, type: 'user_unauthorized' },
    { name: 'member cannot delete', as: p.teamMember, method: 'DELETE', path: f('f-on'), status: 401, type: 'user_unauthorized' },
    { name: 'owner cannot grant a role it lacks', as: owner, method: 'PUT', path: f('f-on'), json: { permissions: ['read("user:someone-else")'] }, status: 401, type: 'user_unauthorized' },
    { name: 'owner shares with everyone', as: owner, method: 'PUT', path: f('f-on'), json: { permissions: [`read("user:${owner.userId}")`, `delete("user:${owner.userId}")`, 'read("any")'] }, status: 200 },
    { name: 'now a guest reads it', as: p.guest, path: f('f-on', '/download'), status: 200 },
    { name: 'and lists it', as: p.guest, path: list, status: 200, contains: [{ total: 1 }] },
    { name: 'user B still cannot delete', as: p.userB, method: 'DELETE', path: f('f-on'), status: 401, type: 'user_unauthorized' },
    { name: 'owner deletes', as: owner, method: 'DELETE', path: f('f-on'), status: 204 },
    { name: 'gone', as: owner, path: f('f-on'), status: 404, type: 'storage_file_not_found' },
  );
  return s;
});
