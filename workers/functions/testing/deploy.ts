import { packTar } from 'modern-tar';
import { expect } from 'vitest';
import { asRoot, okJson } from '../../../test/helpers';
import { uniqueId } from '../../lib/ids';

/** Test fixtures: a function's code as the SDKs upload it (a .tar.gz), deployed and waited for. */

export async function tarGz(files: Record<string, string | Uint8Array>): Promise<Uint8Array> {
  const tar = await packTar(
    Object.entries(files).map(([name, content]) => {
      const data = typeof content === 'string' ? new TextEncoder().encode(content) : content;
      return { header: { name, size: data.byteLength, type: 'file' as const }, body: data };
    }),
  );
  const gz = new Response(new Blob([tar]).stream().pipeThrough(new CompressionStream('gzip')));
  return new Uint8Array(await gz.arrayBuffer());
}

/** A multipart body as fetch would send it (test/helpers' call() defaults to JSON otherwise). */
export async function multipart(form: FormData, headers: Record<string, string> = {}) {
  const req = new Request('http://form.test/', { method: 'POST', body: form });
  return { method: 'POST', body: new Uint8Array(await req.arrayBuffer()), headers: { ...headers, 'Content-Type': req.headers.get('Content-Type')! } };
}

/** Incompressible bytes (getRandomValues fills at most 64 KiB at a time). */
export function noise(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(size, i + 65536)));
  return out;
}

export type Deployment = { $id: string; status: string; buildLogs: string; activate: boolean; sourceSize: number };

export async function uploadCode(functionId: string, files: Record<string, string | Uint8Array>, opts: { activate?: boolean; entrypoint?: string } = {}) {
  const form = new FormData();
  form.append('entrypoint', opts.entrypoint ?? 'index.js');
  form.append('activate', String(opts.activate ?? true));
  form.append('code', new File([await tarGz(files)], 'code.tar.gz', { type: 'application/gzip' }));
  return okJson<Deployment>(await asRoot(`/v1/functions/${functionId}/deployments`, await multipart(form)), 202);
}

export async function waitForBuild(functionId: string, deploymentId: string): Promise<Deployment> {
  for (let i = 0; i < 200; i++) {
    const d = await okJson<Deployment>(await asRoot(`/v1/functions/${functionId}/deployments/${deploymentId}`));
    if (d.status === 'ready' || d.status === 'failed') return d;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`deployment ${deploymentId} did not finish building`);
}

/** A function with one ready, active deployment of `files`. */
export async function deployedFunction(files: Record<string, string | Uint8Array>, extra: Record<string, unknown> = {}) {
  const fn = await okJson<{ $id: string }>(await asRoot('/v1/functions', { method: 'POST', json: { functionId: uniqueId(), name: 'Fn', runtime: 'node-22', entrypoint: 'index.js', ...extra } }), 201);
  const uploaded = await uploadCode(fn.$id, files);
  const built = await waitForBuild(fn.$id, uploaded.$id);
  expect(built.status, built.buildLogs).toBe('ready');
  return { functionId: fn.$id, deploymentId: built.$id };
}

export type Fn = Record<string, unknown> & { $id: string; vars: { key: string; value: string; secret: boolean }[] };

export async function makeFunction(extra: Record<string, unknown> = {}): Promise<Fn> {
  const res = await asRoot('/v1/functions', { method: 'POST', json: { functionId: uniqueId(), name: 'Fn', runtime: 'node-22', ...extra } });
  return okJson<Fn>(res, 201);
}

