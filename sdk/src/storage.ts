import { uniqueId, type Core } from './core';
import { LedgeError } from './error';
import type { FileModel, ListOf } from './models';

/** Appwrite's chunk grid: the server accepts chunks on 5 MiB boundaries only. */
export const CHUNK_SIZE = 5 * 1024 * 1024;
const FILES = '/storage/buckets/{bucketId}/files';
const FILE = `${FILES}/{fileId}`;

export interface UploadProgress {
  $id: string;
  /** 0–100 */
  progress: number;
  sizeUploaded: number;
  chunksTotal: number;
  chunksUploaded: number;
  /** The chunk indexes the server has: pass them back as `done` to resume in another process. */
  done: number[];
}

export interface CreateFileParams {
  bucketId: string;
  /** Generated on the client when left out, so every chunk can be sent at once. */
  fileId?: string;
  file: Blob & { name?: string };
  permissions?: string[];
  onProgress?: (progress: UploadProgress) => void;
  /** Cancels the upload; calling `createFile` again with the same `fileId` resumes it. */
  signal?: AbortSignal;
  /** Chunks in flight at once (default 4). */
  concurrency?: number;
  /** Chunks already uploaded (from an earlier `onProgress`), to resume after a restart. */
  done?: number[];
}

type Preview = { width?: number; height?: number; gravity?: string; quality?: number; borderWidth?: number; borderColor?: string; rotation?: number; background?: string; output?: string };

/** Files in buckets (`/v1/storage`), with the Appwrite SDK's method names. */
export function createStorage(core: Core) {
  const c = core.call;
  // Chunks this client already delivered, per upload: a retry after a failure or an abort sends only the rest.
  const resumable = new Map<string, Set<number>>();

  async function createFile(p: CreateFileParams): Promise<FileModel> {
    const { bucketId, file, signal } = p;
    const fileId = !p.fileId || p.fileId == 'unique()' ? uniqueId() : p.fileId;
    const size = file.size;
    const total = Math.max(1, Math.ceil(size / CHUNK_SIZE));
    const key = `${bucketId}/${fileId}`;
    const done = resumable.get(key) ?? new Set(p.done);
    resumable.set(key, done);
    let uploaded = 0;
    for (const i of done) uploaded += Math.min(size, (i + 1) * CHUNK_SIZE) - i * CHUNK_SIZE;
    const report = () =>
      p.onProgress?.({ $id: fileId, progress: size ? (uploaded / size) * 100 : 100, sizeUploaded: uploaded, chunksTotal: total, chunksUploaded: done.size, done: [...done] });

    let finished: FileModel | undefined;
    let next = 0;
    const send = async () => {
      for (let i = next++; i < total; i = next++) {
        if (done.has(i)) continue;
        if (signal?.aborted) throw new LedgeError('The upload was aborted', 0, 'aborted');
        const start = i * CHUNK_SIZE;
        const end = Math.min(size, start + CHUNK_SIZE);
        const form = new FormData();
        form.append('fileId', fileId);
        form.append('file', total > 1 ? file.slice(start, end) : file, file.name ?? fileId);
        for (const x of p.permissions ?? []) form.append('permissions[]', x);
        const headers: Record<string, string> = total > 1 ? { 'content-range': `bytes ${start}-${end - 1}/${size}` } : {};
        const res: FileModel = await c('POST', FILES.replace('{bucketId}', encodeURIComponent(bucketId)), form, { headers, signal });
        done.add(i);
        uploaded += end - start;
        if (res.chunksUploaded >= res.chunksTotal) finished = res;
        report();
      }
    };
    await Promise.all(Array.from({ length: Math.min(p.concurrency ?? 4, total) }, send));
    resumable.delete(key);
    // Every chunk was delivered earlier (a resumed upload that had nothing left): the file is complete.
    return finished ?? c('GET', FILE, { bucketId, fileId });
  }

  return {
    createFile,
    getFile: (p: { bucketId: string; fileId: string }): Promise<FileModel> => c('GET', FILE, p),
    listFiles: (p: { bucketId: string; queries?: string[]; search?: string }): Promise<ListOf<'files', FileModel>> => c('GET', FILES, p),
    updateFile: (p: { bucketId: string; fileId: string; name?: string; permissions?: string[] }): Promise<FileModel> => c('PUT', FILE, p),
    deleteFile: (p: { bucketId: string; fileId: string }): Promise<unknown> => c('DELETE', FILE, p),
    getFileDownload: (p: { bucketId: string; fileId: string; token?: string }): string => core.url(`${FILE}/download`, p),
    getFileView: (p: { bucketId: string; fileId: string; token?: string }): string => core.url(`${FILE}/view`, p),
    getFilePreview: (p: { bucketId: string; fileId: string; token?: string } & Preview): string => core.url(`${FILE}/preview`, p),
  };
}
