/**
 * Production limits that local workerd does not enforce, made to bite in every unit test (a setup
 * file: the Worker under test runs in this isolate). Workers refuse PBKDF2 above 100,000
 * iterations with a NotSupportedError; here any such call fails the same way.
 */
export const PBKDF2_PRODUCTION_MAX = 100_000;

const subtle = crypto.subtle;
const deriveBits = subtle.deriveBits.bind(subtle);
type Params = Parameters<SubtleCrypto['deriveBits']>;

subtle.deriveBits = ((algorithm: Params[0], baseKey: Params[1], length: Params[2]) => {
  const a = algorithm as { name?: string; iterations?: number };
  if (typeof a === 'object' && a.name?.toUpperCase() === 'PBKDF2' && (a.iterations ?? 0) > PBKDF2_PRODUCTION_MAX) {
    return Promise.reject(new DOMException(`Pbkdf2 failed: iteration counts above ${PBKDF2_PRODUCTION_MAX} are not supported (requested ${a.iterations}).`, 'NotSupportedError'));
  }
  return deriveBits(algorithm, baseKey, length);
}) as SubtleCrypto['deriveBits'];
