/**
 * The runtimes Ledge accepts: Appwrite's Node.js and Bun ids (as node-appwrite's `Runtime` enum
 * lists them), all run on the Workers runtime in a Worker Loader isolate. Any other id is
 * `function_runtime_unsupported`, as Appwrite answers for a runtime outside _APP_FUNCTIONS_RUNTIMES.
 */
import { ApiError } from '../lib/errors';

const NODE = ['14.5', '16.0', '18.0', '19.0', '20.0', '21.0', '22', '23', '24', '25'];
const BUN = ['1.0', '1.1', '1.2', '1.3'];

export interface Runtime {
  $id: string;
  key: string;
  name: string;
  version: string;
  base: string;
  image: string;
  logo: string;
  supports: string[];
}

function runtime(key: 'node' | 'bun', version: string): Runtime {
  return {
    $id: `${key}-${version}`,
    key,
    name: key === 'node' ? 'Node.js' : 'Bun',
    version,
    base: 'workerd',
    image: 'workerd (Worker Loader isolate)',
    logo: `${key}.png`,
    supports: ['amd64', 'arm64'],
  };
}

export const RUNTIMES: readonly Runtime[] = [...NODE.map((v) => runtime('node', v)), ...BUN.map((v) => runtime('bun', v))];
const BY_ID = new Map(RUNTIMES.map((r) => [r.$id, r]));

export function findRuntime(id: string): Runtime | undefined {
  return BY_ID.get(id);
}

export function assertRuntime(id: string): Runtime {
  const found = BY_ID.get(id);
  if (!found) throw new ApiError('function_runtime_unsupported', `Runtime "${id}" is not supported`);
  return found;
}

/**
 * Appwrite's compute specification slug. Ledge has one size, the Workers isolate: 128 MB and one
 * CPU; the slug Appwrite clients default to is kept so their create/update calls validate.
 */
export const SPECIFICATION = { slug: 's-1vcpu-512mb', memory: 128, cpus: 1, enabled: true };
