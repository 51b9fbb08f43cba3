import { readArchive, ArchiveError } from './archive';
import { probeIsolate } from './isolate';
import { BuildError, buildModules, type ModuleSpec } from './modules';
import { archiveKey, modulesKey, transition, activateDeployment, type DeploymentRow } from './deployments-store';
import { sdkModules } from './sdk';

/**
 * The build of a deployment, run right after its archive is complete: `waiting` → `processing` →
 * `ready` | `failed`. There is no build step at the edge (`commands` are shown, never run): the
 * archive is unpacked into a module map (modules.ts), stored in R2 beside the archive, and loaded
 * once in a throwaway isolate, so anything that would break the first execution breaks the
 * deployment instead, with buildLogs saying why.
 */

/** An archive unpacks to at most this much (Appwrite's _APP_COMPUTE_SIZE_LIMIT default is 30 MB packed). */
export const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

export interface StoredBuild {
  entrypoint: string;
  modules: Record<string, ModuleSpec>;
}

const builds = new Map<string, Promise<StoredBuild>>();
const CACHED_BUILDS = 32;

/** A ready deployment's module map: R2 once per isolate, then memory (builds never change). */
export function storedBuild(bucket: R2Bucket, functionId: string, deploymentId: string): Promise<StoredBuild> {
  const hit = builds.get(deploymentId);
  if (hit) return hit;
  const load = (async () => {
    const object = await bucket.get(modulesKey(functionId, deploymentId));
    if (!object) throw new Error(`The build of deployment ${deploymentId} is missing from storage.`);
    return object.json<StoredBuild>();
  })();
  builds.set(deploymentId, load);
  load.catch(() => builds.delete(deploymentId));
  if (builds.size > CACHED_BUILDS) builds.delete(builds.keys().next().value!);
  return load;
}

export async function buildDeployment(env: Env, functionId: string, deploymentId: string): Promise<DeploymentRow | null> {
  const started = Date.now();
  const processing = await transition(env.DB, deploymentId, ['waiting'], { status: 'processing' });
  if (!processing) return null; // canceled, or another build took it
  const logs: string[] = [`Building deployment ${deploymentId} for the Workers runtime (no build commands run at the edge).`];
  const finish = async (status: 'ready' | 'failed', extra: Partial<DeploymentRow> = {}) => {
    const row = await transition(env.DB, deploymentId, ['processing'], {
      status,
      buildLogs: logs.join('\n'),
      buildDuration: Math.round((Date.now() - started) / 1000),
      ...extra,
    });
    if (row && status === 'ready' && row.activate) await activateDeployment(env.DB, row);
    return row;
  };
  try {
    const archive = await env.FILES.get(archiveKey(functionId, deploymentId));
    if (!archive) throw new BuildError(['The uploaded archive is missing from storage.']);
    const files = await readArchive(archive.body, MAX_UNPACKED_BYTES);
    const built = await buildModules(files, processing.entrypoint);
    logs.push(...built.logs);
    const stored: StoredBuild = { entrypoint: built.entrypoint, modules: built.modules };
    const text = JSON.stringify(stored);
    const probe = await probeIsolate(env.LOADER, {
      key: `build:${deploymentId}:${crypto.randomUUID()}`,
      entrypoint: built.entrypoint,
      modules: async () => built.modules,
      sdk: built.importsSdk ? () => sdkModules(env) : null,
      env: {},
      outbound: null,
      limits: { cpuMs: 5000, subRequests: 0 },
    });
    if (!probe.ok) {
      throw new BuildError([`Entrypoint ${built.entrypoint} exports no function (found: ${probe.exports.join(', ') || 'nothing'}). Export one: export default async ({ req, res, log, error }) => …`]);
    }
    logs.push('Loaded in a fresh isolate: imports resolve and the entrypoint exports a function.');
    await env.FILES.put(modulesKey(functionId, deploymentId), text, { httpMetadata: { contentType: 'application/json' } });
    return await finish('ready', { buildSize: text.length, importsSdk: built.importsSdk });
  } catch (err) {
    if (err instanceof BuildError) logs.push(...err.logs.filter((l) => !logs.includes(l)));
    else if (err instanceof ArchiveError) logs.push(err.message);
    else logs.push(`Build failed: ${(err as Error).message ?? String(err)}`);
    return finish('failed');
  }
}
