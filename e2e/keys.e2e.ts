import { describe, expect, it } from 'vitest';
import { ID, Project, Users } from 'node-appwrite';
import { refusal, serverClient } from './support/ledge';

describe('API keys through node-appwrite', () => {
  it('creates a users.read key, uses it, is refused beyond its scope and everywhere once deleted', async () => {
    const project = new Project(serverClient());
    const created = await project.createKey({ keyId: ID.unique(), name: 'reader', scopes: ['users.read' as never] });
    expect(created.secret).toMatch(/^standard_/);
    expect(created.scopes).toEqual(['users.read']);

    const listed = await project.listKeys();
    const mine = listed.keys.find((k) => k.$id === created.$id);
    expect(mine?.name).toBe('reader');
    expect(mine?.secret).toBe('');
    expect((await project.getKey({ keyId: created.$id })).secret).toBe('');

    const scoped = serverClient(created.secret);
    const users = await new Users(scoped).list();
    expect(users).toHaveProperty('total');

    const outOfScope = await refusal(new Users(scoped).create({ userId: ID.unique(), email: 'x@example.com' }));
    expect(outOfScope.code).toBe(401);
    expect(outOfScope.type).toBe('general_unauthorized_scope');

    const noKeys = await refusal(new Project(scoped).listKeys());
    expect(noKeys.type).toBe('general_unauthorized_scope');

    await project.deleteKey({ keyId: created.$id });
    for (const attempt of [new Users(scoped).list(), new Project(scoped).listKeys()]) {
      const gone = await refusal(attempt);
      expect(gone.code).toBe(401);
      expect(gone.type).toBe('user_unauthorized');
    }
  });

  it('never lets a key grant scopes it lacks', async () => {
    const project = new Project(serverClient());
    const manager = await project.createKey({ keyId: ID.unique(), name: 'manager', scopes: ['keys.write' as never, 'keys.read' as never] });
    const err = await refusal(
      new Project(serverClient(manager.secret)).createKey({ keyId: ID.unique(), name: 'escalate', scopes: ['users.write' as never] }),
    );
    expect(err.type).toBe('general_unauthorized_scope');
    const ok = await new Project(serverClient(manager.secret)).createKey({ keyId: ID.unique(), name: 'sub', scopes: ['keys.read' as never] });
    expect(ok.scopes).toEqual(['keys.read']);
  });

  it('refuses an expired key with project_key_expired', async () => {
    const project = new Project(serverClient());
    const past = new Date(Date.now() - 60_000).toISOString();
    const key = await project.createKey({ keyId: ID.unique(), name: 'old', scopes: ['keys.read' as never], expire: past });
    const err = await refusal(new Project(serverClient(key.secret)).listKeys());
    expect(err.type).toBe('project_key_expired');
  });
});
