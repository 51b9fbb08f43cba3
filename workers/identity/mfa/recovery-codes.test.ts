import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { uniqueId } from '../../lib/ids';
import {
  findRecoveryCode, generateRecoveryCodes, hashRecoveryCode, recoveryKeys, RECOVERY_CODE_COUNT, sealRecoveryCode, unsealRecoveryCode,
} from './recovery-codes';
import { consumeRecoveryCode, issueRecoveryCodes, readRecoveryCodes } from './store';

describe('recovery codes', () => {
  it('are 6 distinct codes of 10 hex characters, as Appwrite issues them', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    for (const code of codes) expect(code).toMatch(/^[0-9a-f]{10}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('hash with a deployment key and seal reversibly; another key opens nothing', async () => {
    const keys = await recoveryKeys(env);
    const other = await recoveryKeys({ JWT_SIGNING_KEY: 'some-other-deployment' });
    const hash = await hashRecoveryCode(keys, 'abcdef0123');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashRecoveryCode(other, 'abcdef0123')).not.toBe(hash);
    const sealed = await sealRecoveryCode(keys, 'abcdef0123');
    expect(sealed).not.toContain('abcdef0123');
    expect(await unsealRecoveryCode(keys, sealed)).toBe('abcdef0123');
    expect(await unsealRecoveryCode(other, sealed)).toBeNull();
  });

  it('finds the matching stored hash (case and spaces forgiven), or none', async () => {
    const keys = await recoveryKeys(env);
    const rows = await Promise.all(['0000000000', 'abcdef0123', '9999999999'].map(async (c, i) => ({ i, codeHash: await hashRecoveryCode(keys, c) })));
    expect((await findRecoveryCode(keys, rows, 'abcdef0123'))?.i).toBe(1);
    expect((await findRecoveryCode(keys, rows, ' ABCDEF0123 '))?.i).toBe(1);
    expect(await findRecoveryCode(keys, rows, 'abcdef0124')).toBeNull();
    expect(await findRecoveryCode(keys, [], 'abcdef0123')).toBeNull();
  });

  it('work once each, and the rest stay readable in order', async () => {
    const keys = await recoveryKeys(env);
    const userId = uniqueId();
    const codes = await issueRecoveryCodes(env.DB, keys, userId, 'create');
    await expect(issueRecoveryCodes(env.DB, keys, userId, 'create')).rejects.toMatchObject({ type: 'user_recovery_codes_already_exists' });
    expect(await readRecoveryCodes(env.DB, keys, userId)).toEqual(codes);

    expect(await consumeRecoveryCode(env.DB, keys, userId, codes[2])).toBe(true);
    expect(await consumeRecoveryCode(env.DB, keys, userId, codes[2])).toBe(false);
    expect(await consumeRecoveryCode(env.DB, keys, uniqueId(), codes[3])).toBe(false);
    expect(await readRecoveryCodes(env.DB, keys, userId)).toEqual(codes.filter((_, i) => i !== 2));

    // Two racing uses of the same code: exactly one wins.
    const raced = await Promise.all([consumeRecoveryCode(env.DB, keys, userId, codes[0]), consumeRecoveryCode(env.DB, keys, userId, codes[0])]);
    expect(raced.filter(Boolean)).toHaveLength(1);

    const fresh = await issueRecoveryCodes(env.DB, keys, userId, 'regenerate');
    expect(fresh).not.toEqual(codes);
    expect(await consumeRecoveryCode(env.DB, keys, userId, codes[1])).toBe(false);
    expect(await readRecoveryCodes(env.DB, keys, userId)).toEqual(fresh);
    await expect(issueRecoveryCodes(env.DB, keys, uniqueId(), 'regenerate')).rejects.toMatchObject({ type: 'user_recovery_codes_not_found' });
  });
});
