import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { describe, expect, it } from 'vitest';
import { keys } from '../db/schema';
import { uniqueViolationText } from './d1';
import { uniqueId } from './ids';

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to fail');
}

describe('uniqueViolationText', () => {
  const row = (id: string) => ({ id, name: 'k', scopes: [], secretHash: uniqueId(), sdks: [], createdAt: 'x', updatedAt: 'x' });

  it('finds the violation in raw D1 errors and in drizzle errors that wrap it as their cause', async () => {
    const id = uniqueId();
    await drizzle(env.DB).insert(keys).values(row(id));
    const raw = await failure(() =>
      env.DB.prepare("INSERT INTO keys (id, name, scopes, secret_hash, created_at, updated_at) VALUES (?, 'k', '[]', ?, 'x', 'x')").bind(id, uniqueId()).run(),
    );
    const wrapped = await failure(() => drizzle(env.DB).insert(keys).values(row(id)));
    const batched = await failure(() => drizzle(env.DB).batch([drizzle(env.DB).insert(keys).values(row(id))]));
    for (const err of [raw, wrapped, batched]) expect(uniqueViolationText(err)).toContain('UNIQUE constraint failed: keys.id');
    await drizzle(env.DB).delete(keys).where(eq(keys.id, id));
  });

  it('is null for other errors', async () => {
    const other = await failure(() => env.DB.prepare('SELECT * FROM no_such_table').all());
    expect(uniqueViolationText(other)).toBeNull();
    expect(uniqueViolationText(new Error('UNIQUE, but not a constraint failure'))).toBeNull();
    expect(uniqueViolationText(undefined)).toBeNull();
  });
});
