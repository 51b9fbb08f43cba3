import { describe, expect, it } from 'vitest';
import { hexToBytes } from '@noble/hashes/utils.js';
import { argon2Tag, importedHashProblem, verifyImportedHash } from './imported';
import { phpassPortable } from './phpass';

// Every vector below is published by the algorithm's authors or a standard; none was produced
// by this code. Sources are named next to each.

describe('argon2 (phc-winner-argon2 src/test.c, PHP password_hash encoding)', () => {
  const vectors = [
    ['$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8', 'password'],
    ['$argon2i$v=19$m=256,t=2,p=2$c29tZXNhbHQ$T/XOJ2mh1/TIpJHfCdQan76Q5esCFVoT5MAeIM1Oq2E', 'password'],
    ['$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4', 'password'],
    ['$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc', 'password'],
    // Version 0x10 hashes carry no `v=` field.
    ['$argon2i$m=256,t=2,p=1$c29tZXNhbHQ$/U3YPXYsSb3q9XxHvc0MLxur+GP960kN9j7emXX8zwY', 'password'],
  ] as const;

  it.each(vectors)('%s verifies its password and nothing else', async (hash, password) => {
    expect(importedHashProblem('argon2', hash, {})).toBeNull();
    expect(await verifyImportedHash('argon2', password, hash, {})).toBe(true);
    expect(await verifyImportedHash('argon2', 'passwore', hash, {})).toBe(false);
  });

  it('computes the RFC 9106 §5 tags for argon2d, argon2i and argon2id', () => {
    const input = {
      password: new Uint8Array(32).fill(1),
      salt: new Uint8Array(16).fill(2),
      params: { m: 32, t: 3, p: 4, dkLen: 32, secret: new Uint8Array(8).fill(3), data: new Uint8Array(12).fill(4) },
    };
    const tag = (v: 'argon2d' | 'argon2i' | 'argon2id') => argon2Tag(v, input.password, input.salt, input.params);
    expect(tag('argon2d')).toEqual(hexToBytes('512b391b6f1162975371d30919734294f868e3be3984f3c1a13a4db9fabe4acb'));
    expect(tag('argon2i')).toEqual(hexToBytes('c814d9d1dc7f37aa13f0d77f2494bda1c8de6b016dd388d29952a4c4672b6ce8'));
    expect(tag('argon2id')).toEqual(hexToBytes('0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659'));
  });

  it('refuses malformed encodings and work factors beyond the ceiling', async () => {
    // Missing `$` between parameters and salt (test.c's own negative case).
    const broken = '$argon2i$v=19$m=65536,t=2,p=1c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA';
    expect(importedHashProblem('argon2', broken, {})).toMatch(/encoded/);
    expect(await verifyImportedHash('argon2', 'password', broken, {})).toBe(false);
    const huge = '$argon2i$v=19$m=1048576,t=2,p=1$c29tZXNhbHQ$0Vh6ygkiw7XWqD7asxvuPE667zQu1hJ6VdGbI1GtH0E';
    expect(importedHashProblem('argon2', huge, {})).toMatch(/work factor/);
    expect(await verifyImportedHash('argon2', 'password', huge, {})).toBe(false);
  });
});

describe('bcrypt (jBCrypt / OpenBSD test vectors)', () => {
  const vectors = [
    ['abc', '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i'],
    ['abcdefghijklmnopqrstuvwxyz', '$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC'],
    ['~!@#$%^&*()      ~!@#$%^&*()PNBFRD', '$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO'],
  ] as const;

  it.each(vectors)('%s', async (password, hash) => {
    expect(importedHashProblem('bcrypt', hash, {})).toBeNull();
    expect(await verifyImportedHash('bcrypt', password, hash, {})).toBe(true);
    expect(await verifyImportedHash('bcrypt', password + 'x', hash, {})).toBe(false);
  });

  it("accepts PHP's $2y$ and $2b$ prefixes for the same hash", async () => {
    for (const prefix of ['$2y$', '$2b$']) {
      const hash = prefix + vectors[0][1].slice(4);
      expect(await verifyImportedHash('bcrypt', 'abc', hash, {})).toBe(true);
      expect(await verifyImportedHash('bcrypt', 'abd', hash, {})).toBe(false);
    }
  });

  it('refuses costs above the ceiling and malformed hashes', () => {
    expect(importedHashProblem('bcrypt', '$2a$16$' + vectors[0][1].slice(7), {})).toMatch(/cost/);
    expect(importedHashProblem('bcrypt', 'not-a-hash-at-all', {})).toMatch(/Bcrypt/);
  });
});

describe('md5 (RFC 1321 A.5)', () => {
  it('verifies the test suite digests', async () => {
    expect(await verifyImportedHash('md5', 'message digest', 'f96b697d7cb7938d525a2f31aaf161d0', {})).toBe(true);
    expect(await verifyImportedHash('md5', 'abc', '900150983CD24FB0D6963F7D28E17F72', {})).toBe(true);
    expect(await verifyImportedHash('md5', 'abd', '900150983cd24fb0d6963f7d28e17f72', {})).toBe(false);
    expect(importedHashProblem('md5', 'abc', {})).toMatch(/32 hexadecimal/);
  });
});

describe('sha (FIPS 180-4 / FIPS 202 "abc" examples)', () => {
  const abc: Record<string, string> = {
    sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
    sha224: '23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7',
    sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    sha384: 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    sha512: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    'sha512/224': '4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa',
    'sha512/256': '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23',
    'sha3-224': 'e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf',
    'sha3-256': '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532',
    'sha3-384': 'ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25',
    'sha3-512': 'b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0',
  };

  it.each(Object.entries(abc))('%s', async (version, digest) => {
    expect(importedHashProblem('sha', digest, { type: 'sha', version })).toBeNull();
    expect(await verifyImportedHash('sha', 'abc', digest, { type: 'sha', version })).toBe(true);
    expect(await verifyImportedHash('sha', 'abd', digest, { type: 'sha', version })).toBe(false);
  });

  it('defaults to sha3-512 like Appwrite, and refuses unknown versions', async () => {
    expect(await verifyImportedHash('sha', 'abc', abc['sha3-512'], {})).toBe(true);
    expect(await verifyImportedHash('sha', 'abc', abc.sha256, { version: 'sha256' })).toBe(true);
    expect(await verifyImportedHash('sha', 'abc', abc.sha256, { version: 'md4' })).toBe(false);
    expect(importedHashProblem('sha', abc.sha256, { version: 'md4' })).toMatch(/version/);
    // A digest of the wrong length for its version is refused at import.
    expect(importedHashProblem('sha', abc.sha1, { version: 'sha256' })).toMatch(/64 hexadecimal/);
  });
});

describe('phpass portable hashes', () => {
  // phpass 0.3 test.php ships '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0' for 'test12345';
  // hashcat's example hash for mode 400 (phpass/WordPress) is for 'hashcat'.
  const vectors = [
    ['test12345', '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0'],
    ['hashcat', '$P$984478476IagS59wHZvyQMArzfx58u.'],
  ] as const;

  it.each(vectors)('%s', async (password, hash) => {
    expect(importedHashProblem('phpass', hash, {})).toBeNull();
    expect(await verifyImportedHash('phpass', password, hash, { type: 'phpass' })).toBe(true);
    expect(await verifyImportedHash('phpass', 'test12346', hash, { type: 'phpass' })).toBe(false);
  });

  it('treats $H$ (phpBB3) exactly like $P$ apart from the prefix', () => {
    const [password, hash] = vectors[0];
    expect(phpassPortable(password, '$H$' + hash.slice(3))).toBe('$H$' + hash.slice(3));
  });

  it('verifies the bcrypt hashes phpass writes when bcrypt is available', async () => {
    const hash = '$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i';
    expect(await verifyImportedHash('phpass', 'abc', hash, {})).toBe(true);
    expect(await verifyImportedHash('phpass', 'abd', hash, {})).toBe(false);
  });

  it('refuses malformed hashes and round counts beyond the ceiling', async () => {
    expect(importedHashProblem('phpass', '$P$9IQRaTwmfe', {})).toMatch(/portable/);
    const slow = '$P$J' + vectors[0][1].slice(4); // 2^21 rounds
    expect(importedHashProblem('phpass', slow, {})).toMatch(/rounds/);
    expect(await verifyImportedHash('phpass', 'test12345', slow, {})).toBe(false);
  });
});

describe('scrypt (RFC 7914 §12, php-scrypt hex output)', () => {
  const rfc = {
    type: 'scrypt',
    salt: 'NaCl',
    costCpu: 1024,
    costMemory: 8,
    costParallel: 16,
    length: 64,
  };
  const hash = 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640';

  it('verifies scrypt("password", "NaCl", N=1024, r=8, p=16)', async () => {
    expect(importedHashProblem('scrypt', hash, rfc)).toBeNull();
    expect(await verifyImportedHash('scrypt', 'password', hash, rfc)).toBe(true);
    expect(await verifyImportedHash('scrypt', 'passwore', hash, rfc)).toBe(false);
    expect(await verifyImportedHash('scrypt', 'password', hash, { ...rfc, salt: 'NaCL' })).toBe(false);
  });

  it('refuses bad costs and costs beyond the ceiling', async () => {
    expect(importedHashProblem('scrypt', hash, { ...rfc, costCpu: 1000 })).toMatch(/power of 2/);
    expect(importedHashProblem('scrypt', hash, { ...rfc, costCpu: 2 ** 20 })).toMatch(/work factor/);
    expect(importedHashProblem('scrypt', hash, { ...rfc, length: 32 })).toMatch(/64 hexadecimal/);
    expect(await verifyImportedHash('scrypt', 'password', hash, { ...rfc, costCpu: 2 ** 20 })).toBe(false);
  });
});

describe('scryptMod (Firebase Auth, the example in github.com/firebase/scrypt README)', () => {
  const options = {
    type: 'scryptMod',
    salt: '42xEC+ixf3L2lw==',
    saltSeparator: 'Bw==',
    signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  };
  const hash = 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==';

  it('verifies user1password', async () => {
    expect(importedHashProblem('scryptMod', hash, options)).toBeNull();
    expect(await verifyImportedHash('scryptMod', 'user1password', hash, options)).toBe(true);
    expect(await verifyImportedHash('scryptMod', 'user2password', hash, options)).toBe(false);
    expect(await verifyImportedHash('scryptMod', 'user1password', hash, { ...options, saltSeparator: 'CA==' })).toBe(false);
  });

  it('refuses options that are not base64', () => {
    expect(importedHashProblem('scryptMod', hash, { ...options, signerKey: 'not base64!' })).toMatch(/base64/);
    expect(importedHashProblem('scryptMod', 'c2hvcnQ=', options)).toMatch(/signer key/);
  });
});

describe('dispatch', () => {
  it('never matches an unknown algorithm', async () => {
    expect(await verifyImportedHash('plaintext', 'abc', 'abc', {})).toBe(false);
    expect(importedHashProblem('plaintext', 'abc', {})).toMatch(/Unknown/);
  });
});
