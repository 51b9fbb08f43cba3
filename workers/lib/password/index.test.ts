import { describe, expect, it } from 'vitest';
import {
  DUMMY_HASH, PBKDF2_ITERATIONS, PBKDF2_MAX_ITERATIONS, assertPasswordPolicy, hashPassword, verifyPassword,
} from './index';

describe('native password hashing', () => {
  it('stays within the production PBKDF2 cap', () => {
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
    expect(PBKDF2_MAX_ITERATIONS).toBeLessThanOrEqual(100_000);
  });

  it('hashes with a random salt and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a.hash).toBe('pbkdf2');
    expect(a.password).not.toBe(b.password);
    expect(a.password).toContain(`i=${PBKDF2_ITERATIONS}`);
    expect(a.hashOptions).toMatchObject({ iterations: PBKDF2_ITERATIONS });
    expect(await verifyPassword('correct horse battery', a)).toEqual({ ok: true, needsRehash: false });
    expect((await verifyPassword('correct horse batterz', a)).ok).toBe(false);
    expect((await verifyPassword('', a)).ok).toBe(false);
  });

  it('refuses stored hashes above the iteration cap instead of running them', async () => {
    const a = await hashPassword('password-one');
    const tampered = { ...a, password: a.password.replace(`i=${PBKDF2_ITERATIONS}`, 'i=5000000') };
    expect((await verifyPassword('password-one', tampered)).ok).toBe(false);
  });

  it('asks for a rehash when a native hash used other parameters', async () => {
    const a = await hashPassword('password-two');
    const [, , , salt] = a.password.split('$');
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('password-two'), 'PBKDF2', false, ['deriveBits']);
    const b64 = (s: string) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '=='.slice(0, (4 - (s.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const bits = new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: b64(salt), iterations: 1000 }, key, 256));
    const enc = btoa(String.fromCharCode(...bits)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const old = { ...a, password: `$pbkdf2-sha256$i=1000$${salt}$${enc}` };
    expect(await verifyPassword('password-two', old)).toEqual({ ok: true, needsRehash: true });
  });

  it('has a dummy hash that matches nothing ordinary', async () => {
    expect((await verifyPassword('password', DUMMY_HASH)).ok).toBe(false);
  });

  it('treats users without a password as never matching', async () => {
    expect(await verifyPassword('anything-at-all', { hash: null, password: null, hashOptions: null })).toEqual({ ok: false, needsRehash: false });
  });
});

describe('password policy', () => {
  const off = { dictionary: false, personalData: false };

  it('needs 8 to 256 bytes, with Appwrite\'s message', () => {
    expect(() => assertPasswordPolicy('short', off)).toThrowError(/Password must be between 8 and 256 characters long/);
    expect(() => assertPasswordPolicy('x'.repeat(257), off)).toThrow();
    expect(() => assertPasswordPolicy('x'.repeat(256), off)).not.toThrow();
    try {
      assertPasswordPolicy('short', off);
    } catch (err) {
      expect((err as { type: string }).type).toBe('general_argument_invalid');
    }
  });

  it('refuses common passwords only when the dictionary is on', () => {
    expect(() => assertPasswordPolicy('password', off)).not.toThrow();
    expect(() => assertPasswordPolicy('password', { ...off, dictionary: true })).toThrowError(/commonly used password/);
    expect(() => assertPasswordPolicy('unusual-Sentence-42', { ...off, dictionary: true })).not.toThrow();
  });

  it('refuses personal data only when that check is on', () => {
    const me = { id: 'u1x', email: 'Jane.Doe@example.com', name: 'Jane', phone: '+15551234567' };
    const on = { ...off, personalData: true };
    for (const pw of ['my-jane-pass', 'xx.jane.doe.xx', '15551234567!', 'Jane.Doe@example.com']) {
      try {
        assertPasswordPolicy(pw, on, me);
        throw new Error(`accepted ${pw}`);
      } catch (err) {
        expect((err as { type: string }).type, pw).toBe('user_password_personal_data');
      }
    }
    expect(() => assertPasswordPolicy('my-jane-pass', off, me)).not.toThrow();
    expect(() => assertPasswordPolicy('unrelated-secret', on, me)).not.toThrow();
  });
});
