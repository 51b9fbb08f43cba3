import { unpackTar } from 'modern-tar';

/**
 * A deployment's `code`: a gzipped tar, as appwrite-cli and the SDKs pack a function's folder.
 * Unpacked with the runtime's DecompressionStream and modern-tar (ustar, pax and GNU long names),
 * bounded in size so a gzip bomb fails the build instead of the Worker.
 */
export interface ArchiveFile {
  /** Normalised path inside the archive: no leading `./` or `/`, never `..`. */
  path: string;
  data: Uint8Array;
}

export class ArchiveError extends Error {}

/** Stops a stream once more than `limit` bytes have passed through it. */
function capped(limit: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit) throw new ArchiveError(`The archive unpacks to more than ${limit} bytes.`);
      controller.enqueue(chunk);
    },
  });
}

export function normalisePath(raw: string): string | null {
  const parts: string[] = [];
  for (const part of raw.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return null;
    parts.push(part);
  }
  return parts.length ? parts.join('/') : null;
}

export async function readArchive(body: ReadableStream<Uint8Array>, limit: number): Promise<ArchiveFile[]> {
  let entries;
  try {
    entries = await unpackTar(body.pipeThrough(new DecompressionStream('gzip')).pipeThrough(capped(limit)));
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    throw new ArchiveError(`The code is not a valid .tar.gz archive (${(err as Error).message}).`);
  }
  const files: ArchiveFile[] = [];
  for (const entry of entries) {
    if ((entry.header.type ?? 'file') !== 'file') continue;
    const path = normalisePath(entry.header.name);
    if (!path) throw new ArchiveError(`The archive holds a path outside its root: ${entry.header.name}`);
    files.push({ path, data: entry.data ?? new Uint8Array() });
  }
  return files;
}
