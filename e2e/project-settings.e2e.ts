import { Account, ID as WebID } from 'appwrite';
import { Project } from 'node-appwrite';
import { afterAll, describe, expect, it } from 'vitest';
import { ledge, refusal, serverClient } from './support/ledge';
import { uniqueEmail, webUser } from './support/web-client';

/**
 * Project settings through node-appwrite's Project service, as a web app feels them: a web
 * platform added through `project` lets its origin through CORS (preflight and the web SDK's
 * calls) within 5 s, without a redeploy; removing it closes the origin again.
 */
const project = new Project(serverClient());
const ORIGIN = `http://app-${Date.now().toString(36)}.example.test`;
const platformId = `web${Date.now().toString(36)}`;

async function preflightAllows(origin: string): Promise<boolean> {
  const res = await fetch(`${ledge.endpoint}/account`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-appwrite-project' },
  });
  return res.headers.get('Access-Control-Allow-Origin') === origin;
}

afterAll(async () => {
  await project.deletePlatform({ platformId }).catch(() => undefined);
});

describe('project platforms and CORS', () => {
  it('a web platform added through `project` lets a new origin through within 5 s', async () => {
    const user = webUser({ endpoint: ledge.endpoint, projectId: ledge.projectId, origin: ORIGIN });
    expect(await preflightAllows(ORIGIN)).toBe(false);
    const refused = await refusal(user.as(() => user.account.create({ userId: WebID.unique(), email: uniqueEmail(), password: 'password-123456' })));
    expect(refused.type).toBe('general_unknown_origin');

    const platform = await project.createWebPlatform({ platformId, name: 'New app', hostname: new URL(ORIGIN).hostname });
    expect(platform).toMatchObject({ $id: platformId, type: 'web', hostname: new URL(ORIGIN).hostname });
    await expect.poll(() => preflightAllows(ORIGIN), { timeout: 5_000, interval: 250 }).toBe(true);
    const created = await user.as(() => new Account(user.client).create({ userId: WebID.unique(), email: uniqueEmail(), password: 'password-123456' }));
    expect(created.$id).toBeTruthy();
    expect((await project.listPlatforms()).platforms.map((p) => p.$id)).toContain(platformId);

    await project.deletePlatform({ platformId });
    await expect.poll(() => preflightAllows(ORIGIN), { timeout: 5_000, interval: 250 }).toBe(false);
  });

  it('project.get reads the settings kept in [vars] and the live ones', async () => {
    const p = await project.get();
    expect(p.$id).toBe(ledge.projectId);
    expect(p.authMethods.find((m) => m.$id === 'email-password')?.enabled).toBe(true);
    const policies = await project.listPolicies();
    expect(policies.policies).toEqual(expect.arrayContaining([{ $id: 'session-duration', duration: 31_536_000 }]));
  });
});
