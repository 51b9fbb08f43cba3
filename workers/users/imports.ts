import { ApiError } from '../lib/errors';
import type { StoredPassword } from '../lib/password';
import { importedHashProblem, SHA_DEFAULT_VERSION, type ImportedHash } from '../lib/password/imported';

/**
 * What `Users.create<Algorithm>User` stores: the given hash untouched, the algorithm's name in
 * `hash`, and in `hashOptions` the parameters the hash string does not carry itself — the same
 * fields Appwrite's Algo* models show. Sign-in verifies against them and then rehashes natively.
 */
export interface ImportParams {
  passwordVersion?: string;
  passwordSalt?: string;
  passwordCpu?: number;
  passwordMemory?: number;
  passwordParallel?: number;
  passwordLength?: number;
  passwordSaltSeparator?: string;
  passwordSignerKey?: string;
}

function options(algorithm: ImportedHash, hash: string, p: ImportParams): Record<string, unknown> {
  switch (algorithm) {
    case 'argon2': {
      // Appwrite records its own defaults; the hash's real costs are more useful, so record those.
      const m = /m=(\d+),t=(\d+),p=(\d+)/.exec(hash);
      return { type: 'argon2', memoryCost: Number(m?.[1] ?? 65536), timeCost: Number(m?.[2] ?? 4), threads: Number(m?.[3] ?? 3) };
    }
    case 'bcrypt':
      return { type: 'bcrypt', cost: Number(/^\$2[aby]\$(\d{2})\$/.exec(hash)?.[1] ?? 8) };
    case 'md5':
      return { type: 'md5' };
    case 'phpass':
      return { type: 'phpass' };
    case 'sha':
      return { type: 'sha', version: p.passwordVersion || SHA_DEFAULT_VERSION };
    case 'scrypt':
      return {
        type: 'scrypt',
        costCpu: p.passwordCpu ?? 8,
        costMemory: p.passwordMemory ?? 14,
        costParallel: p.passwordParallel ?? 1,
        length: p.passwordLength ?? 64,
        salt: p.passwordSalt ?? '',
      };
    case 'scryptMod':
      return { type: 'scryptMod', salt: p.passwordSalt ?? '', saltSeparator: p.passwordSaltSeparator ?? '', signerKey: p.passwordSignerKey ?? '' };
  }
}

/**
 * The stored password for an import, or `general_argument_invalid` naming what is wrong: a hash
 * Ledge could never verify (malformed, or above its work ceilings) is refused now, not at sign-in.
 */
export function importedPassword(algorithm: ImportedHash, hash: string, params: ImportParams): StoredPassword {
  const hashOptions = options(algorithm, hash, params);
  const problem = importedHashProblem(algorithm, hash, hashOptions);
  if (problem) throw new ApiError('general_argument_invalid', `Invalid \`password\` param: ${problem}`);
  return { hash: algorithm, password: hash, hashOptions };
}
