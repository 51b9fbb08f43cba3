/**
 * Sending stored bytes as HTTP wants them: a single `Range` (206, or 416 when unsatisfiable),
 * `If-None-Match` answered with 304 before R2 is touched, exact `Content-Type`/`Content-Length`,
 * and the disposition of each route — `download` as an attachment, `view` and `preview` inline
 * under `Content-Security-Policy: sandbox` + `nosniff`, so an uploaded HTML or SVG file cannot run
 * script on Ledge's origin.
 */
import { ApiError } from '../lib/errors';

export type Disposition = 'attachment' | 'inline';

export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * One `bytes=` range against `size`; null means "send it all" (no header, several ranges, or
 * another unit — all of which HTTP lets a server answer with the whole body).
 */
export function parseRange(header: string | null | undefined, size: number): ByteRange | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw new ApiError('storage_invalid_range');
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null;
  }
  if (start >= size) {
    const err = new ApiError('storage_invalid_range');
    err.headers = { 'Content-Range': `bytes */${size}` };
    throw err;
  }
  return { offset: start, length: end - start + 1 };
}

/** `If-None-Match` against a strong ETag (`*` matches anything; weak tags compare by value). */
export function etagMatches(header: string | null | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/** RFC 6266: an ASCII fallback and the UTF-8 name. */
export function contentDisposition(kind: Disposition, name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export interface ServeInput {
  kind: Disposition;
  name: string;
  mimeType: string;
  size: number;
  etag: string;
  cacheControl: string;
  request: Request;
  /** Reads the object (a range of it when given); null when R2 has no such object. */
  read(range: ByteRange | null): Promise<ReadableStream | null>;
}

export function baseHeaders(input: Pick<ServeInput, 'kind' | 'name' | 'mimeType' | 'etag' | 'cacheControl'>): Headers {
  const headers = new Headers({
    'Content-Type': input.mimeType || 'application/octet-stream',
    'Content-Disposition': contentDisposition(input.kind, input.name),
    ETag: input.etag,
    'Cache-Control': input.cacheControl,
    'Accept-Ranges': 'bytes',
    'X-Content-Type-Options': 'nosniff',
  });
  if (input.kind === 'inline') headers.set('Content-Security-Policy', 'sandbox');
  return headers;
}

export async function serveBytes(input: ServeInput): Promise<Response> {
  const headers = baseHeaders(input);
  if (etagMatches(input.request.headers.get('If-None-Match'), input.etag)) return new Response(null, { status: 304, headers });
  const range = parseRange(input.request.headers.get('Range'), input.size);
  const body = await input.read(range);
  if (!body) throw new ApiError('storage_file_not_found');
  if (!range) {
    headers.set('Content-Length', String(input.size));
    return new Response(body, { status: 200, headers });
  }
  headers.set('Content-Length', String(range.length));
  headers.set('Content-Range', `bytes ${range.offset}-${range.offset + range.length - 1}/${input.size}`);
  return new Response(body, { status: 206, headers });
}
