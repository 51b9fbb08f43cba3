/** Test fixtures for storage: buckets made with the root key, uploads sent as the SDKs send them. */
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { asRoot, call, okJson, type CallInit } from '../../../test/helpers';
import { uniqueId } from '../../lib/ids';

export const MiB = 1024 * 1024;
export const CHUNK = 5 * MiB;

export async function makeBucket(settings: Record<string, unknown> = {}) {
  const res = await asRoot('/v1/storage/buckets', { method: 'POST', json: { bucketId: uniqueId(), name: 'Test', ...settings } });
  return okJson<{ $id: string } & Record<string, unknown>>(res, 201);
}

export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

/** A multipart body in the SDKs' field order: fileId, file, permissions[]. */
export async function form(fields: { fileId?: string; file?: { bytes: Uint8Array; name: string; type?: string }; permissions?: string[]; folder?: string }) {
  const f = new FormData();
  if (fields.fileId !== undefined) f.append('fileId', fields.fileId);
  if (fields.file) f.append('file', new File([fields.file.bytes], fields.file.name, { type: fields.file.type ?? '' }));
  for (const p of fields.permissions ?? []) f.append('permissions[]', p);
  if (fields.folder !== undefined) f.append('folder', fields.folder);
  const res = new Response(f);
  return { body: await res.arrayBuffer(), contentType: res.headers.get('Content-Type')! };
}

export type Upload = Parameters<typeof form>[0] & { headers?: Record<string, string> };

/** One upload request (a whole file, or one chunk when `headers` carries Content-Range). */
export async function upload(bucketId: string, input: Upload, init: CallInit = {}) {
  const { body, contentType } = await form(input);
  return call(`/v1/storage/buckets/${bucketId}/files`, {
    ...init, method: 'POST', body, headers: { ...(init.headers as Record<string, string>), ...input.headers, 'Content-Type': contentType },
  });
}

/** A chunked upload as the SDK runs it: the first chunk alone, the rest `inFlight` at a time. */
export async function chunkedUpload(bucketId: string, bytes: Uint8Array, opts: { fileId?: string; name?: string; inFlight?: number; init?: CallInit; permissions?: string[] } = {}) {
  const size = bytes.length;
  const send = (start: number, id?: string) => {
    const end = Math.min(start + CHUNK, size) - 1;
    return upload(bucketId, {
      fileId: opts.fileId ?? 'unique()', permissions: opts.permissions,
      file: { bytes: bytes.subarray(start, end + 1), name: opts.name ?? 'big.bin' },
      headers: { 'Content-Range': `bytes ${start}-${end}/${size}`, ...(id ? { 'X-Appwrite-Id': id } : {}) },
    }, opts.init);
  };
  const first = await send(0);
  const firstBody = (await first.clone().json()) as { $id: string };
  const responses = [first];
  const starts: number[] = [];
  for (let s = CHUNK; s < size; s += CHUNK) starts.push(s);
  let next = 0;
  await Promise.all(Array.from({ length: opts.inFlight ?? 8 }, async () => {
    while (next < starts.length) responses.push(await send(starts[next++], firstBody.$id));
  }));
  return { id: firstBody.$id, responses };
}

export async function sha256(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Every R2 key (multipart uploads in progress are listed by D1's rows, checked separately). */
export async function r2Keys(prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ prefix, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

export async function fileRowCount(bucketId: string): Promise<number> {
  const row = await env.DB.prepare('SELECT count(*) AS n FROM files WHERE bucket_id = ?').bind(bucketId).first<{ n: number }>();
  return row!.n;
}

export async function bucketSeq(bucketId: string): Promise<number> {
  const row = await env.DB.prepare('SELECT seq FROM buckets WHERE id = ?').bind(bucketId).first<{ seq: number }>();
  expect(row).not.toBeNull();
  return row!.seq;
}
