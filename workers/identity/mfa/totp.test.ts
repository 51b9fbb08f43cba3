import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, generateTotpSecret, hotp, matchTotp, otpauthUri, totpAt, totpStep, type HotpHash } from './totp';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('base32 (RFC 4648 §10, unpadded)', () => {
  const vectors: [string, string][] = [
    ['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI'],
  ];
  it.each(vectors)('%j ↔ %s', (plain, encoded) => {
    expect(base32Encode(ascii(plain))).toBe(encoded);
    expect(new TextDecoder().decode(base32Decode(encoded)!)).toBe(plain);
    expect(new TextDecoder().decode(base32Decode(`${encoded.toLowerCase()}====`)!)).toBe(plain);
  });

  it('rejects characters outside the alphabet', () => {
    expect(base32Decode('MZXW1')).toBeNull();
    expect(base32Decode('MZ!W')).toBeNull();
  });

  it('generates 160-bit secrets', () => {
    const a = generateTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(a)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(a);
  });
});

describe('HOTP (RFC 4226 Appendix D)', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  it.each(expected.map((code, counter) => [counter, code]))('counter %i → %s', async (counter, code) => {
    expect(await hotp(ascii('12345678901234567890'), counter as number)).toBe(code);
  });
});

describe('TOTP (RFC 6238 Appendix B, 8 digits)', () => {
  const seeds: Record<HotpHash, string> = {
    'SHA-1': '12345678901234567890',
    'SHA-256': '12345678901234567890123456789012',
    'SHA-512': '1234567890123456789012345678901234567890123456789012345678901234',
  };
  const table: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  it.each(table)('T=%i', async (seconds, sha1, sha256, sha512) => {
    const step = totpStep(seconds * 1000);
    expect(await hotp(ascii(seeds['SHA-1']), step, 8, 'SHA-1')).toBe(sha1);
    expect(await hotp(ascii(seeds['SHA-256']), step, 8, 'SHA-256')).toBe(sha256);
    expect(await hotp(ascii(seeds['SHA-512']), step, 8, 'SHA-512')).toBe(sha512);
  });

  it('totpAt takes a base32 secret and gives the 6-digit code (last 6 digits of the 8-digit one)', async () => {
    const secret = base32Encode(ascii(seeds['SHA-1']));
    expect(await totpAt(secret, 59_000)).toBe('287082');
    expect(await totpAt(secret, 1111111109_000)).toBe('081804');
  });
});

describe('matchTotp', () => {
  const secret = base32Encode(ascii('12345678901234567890'));
  const t = 1111111111_000;
  const step = totpStep(t);

  it('accepts the current step and one step either side, nothing further', async () => {
    expect(await matchTotp(secret, await totpAt(secret, t), t)).toBe(step);
    expect(await matchTotp(secret, await totpAt(secret, t - 30_000), t)).toBe(step - 1);
    expect(await matchTotp(secret, await totpAt(secret, t + 30_000), t)).toBe(step + 1);
    expect(await matchTotp(secret, await totpAt(secret, t - 60_000), t)).toBeNull();
    expect(await matchTotp(secret, await totpAt(secret, t + 60_000), t)).toBeNull();
  });

  it('refuses a step at or before the last one used (no replay inside the window)', async () => {
    const code = await totpAt(secret, t);
    expect(await matchTotp(secret, code, t, step)).toBeNull();
    expect(await matchTotp(secret, code, t, step - 1)).toBe(step);
    // A later code still works after an earlier one was used.
    expect(await matchTotp(secret, await totpAt(secret, t + 30_000), t, step)).toBe(step + 1);
  });

  it('refuses malformed codes and secrets', async () => {
    expect(await matchTotp(secret, '12345', t)).toBeNull();
    expect(await matchTotp(secret, 'abcdef', t)).toBeNull();
    expect(await matchTotp('not base32!', '123456', t)).toBeNull();
  });
});

describe('otpauth URI', () => {
  it('labels issuer:account and repeats the issuer, escaping both', () => {
    expect(otpauthUri('JBSWY3DPEHPK3PXP', 'My App', 'ann+mfa@example.com')).toBe(
      'otpauth://totp/My%20App:ann%2Bmfa%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=My%20App',
    );
  });
});
