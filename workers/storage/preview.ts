/**
 * Previews: the Images binding renders a rendition once; it is stored in R2 under the file's
 * key (`<file key>/previews/v<version>/<hash of the transform>`, removed with the file) and kept
 * in the Cache API in front of R2 (which does nothing on `*.workers.dev`). Permission checks run
 * before any of it, so a cached rendition is only ever served to a caller who may read the file.
 * Images over the byte or pixel budget are refused before they are decoded.
 */
import { ApiError } from '../lib/errors';
import { sha256Hex } from '../lib/crypto';
import type { Config } from '../lib/config';
import type { BucketRow } from './bucket-store';
import { readFileBody } from './compression';
import { renditionPrefix } from './file-delete';
import type { FileRow } from './file-store';
import { previewOutput, previewTransform, renditionSpec, type PreviewParams } from './preview-options';
import { etagMatches, serveBytes } from './serve';

const CACHE_SECONDS = 30 * 86_400;

/** Image types the binding can read. SVG is excluded: it is a document, not pixels. */
const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/heic', 'image/bmp', 'image/tiff']);

export interface PreviewContext {
  env: Env;
  config: Config;
  request: Request;
  waitUntil(promise: Promise<unknown>): void;
  isKey: boolean;
}

/** Renders the rendition with the Images binding, within the budget. */
export async function renderPreview(env: Env, config: Config, file: FileRow, params: PreviewParams): Promise<{ bytes: ArrayBuffer; type: string }> {
  if (!PREVIEWABLE.has(file.mimeType)) throw new ApiError('storage_file_type_unsupported', 'This file is not an image Ledge can preview.');
  if (file.sizeOriginal > config.previewMaxBytes) {
    throw new ApiError('storage_invalid_file_size', `The image is too large to preview: the limit is ${config.previewMaxBytes} bytes.`);
  }
  const source = async () => {
    const body = await readFileBody(env.FILES, file, null);
    if (!body) throw new ApiError('storage_file_not_found');
    return body;
  };
  let info: ImageInfoResponse;
  try {
    info = await env.IMAGES.info(await source());
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('storage_file_type_unsupported', 'The image could not be read.');
  }
  if (!('width' in info) || info.width * info.height > config.previewMaxPixels) {
    throw new ApiError('storage_image_resolution_exceeded', `The image resolution exceeds the ${config.previewMaxPixels}-pixel preview budget.`);
  }
  const output = previewOutput(params, file.mimeType);
  try {
    const result = await env.IMAGES.input(await source()).transform(previewTransform(params)).output(output);
    return { bytes: await result.response().arrayBuffer(), type: result.contentType() };
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('storage_file_type_unsupported', `The image could not be transformed: ${(err as Error).message ?? 'unknown error'}`.slice(0, 300));
  }
}

export async function servePreview(ctx: PreviewContext, bucket: BucketRow, file: FileRow, params: PreviewParams): Promise<Response> {
  if (!bucket.transformations && !ctx.isKey) throw new ApiError('storage_bucket_transformations_disabled');
  if (file.status !== 'ready') throw new ApiError('storage_file_not_found');
  const spec = renditionSpec(params, file.mimeType);
  const key = `${renditionPrefix(file)}v${file.version}/${await sha256Hex(spec)}`;
  const etag = `"${(await sha256Hex(`${key}:${file.signature}`)).slice(0, 40)}"`;
  const cacheKey = new Request(new URL(`/v1/__ledge_previews/${key}`, ctx.request.url));
  const cache = typeof caches === 'undefined' ? null : caches.default;

  // The ETag is fixed by the file and the parameters, so a revalidation needs neither cache nor R2.
  if (etagMatches(ctx.request.headers.get('If-None-Match'), etag)) {
    return new Response(null, { status: 304, headers: { ETag: etag, 'Cache-Control': `private, max-age=${CACHE_SECONDS}` } });
  }
  const serve = (type: string, size: number, whole: () => Promise<ReadableStream | ArrayBuffer>) =>
    serveBytes({
      kind: 'inline', name: file.name, mimeType: type, size, etag, cacheControl: `private, max-age=${CACHE_SECONDS}`, request: ctx.request,
      // Whole bodies stream straight through; a Range (rare for previews) slices the buffered rendition.
      read: async (range) => {
        const body = await whole();
        if (!range) return body instanceof ArrayBuffer ? new Blob([body]).stream() : body;
        const bytes = body instanceof ArrayBuffer ? body : await new Response(body).arrayBuffer();
        return new Blob([bytes.slice(range.offset, range.offset + range.length)]).stream();
      },
    });

  const hit = await cache?.match(cacheKey);
  const hitSize = Number(hit?.headers.get('Content-Length') ?? NaN);
  if (hit?.body && Number.isFinite(hitSize)) return serve(hit.headers.get('Content-Type') ?? 'application/octet-stream', hitSize, async () => hit.body!);

  let bytes: ArrayBuffer;
  let type: string;
  const stored = await ctx.env.FILES.get(key);
  if (stored) {
    bytes = await stored.arrayBuffer();
    type = stored.httpMetadata?.contentType ?? 'application/octet-stream';
  } else {
    ({ bytes, type } = await renderPreview(ctx.env, ctx.config, file, params));
    await ctx.env.FILES.put(key, bytes, { httpMetadata: { contentType: type } });
  }
  if (cache) {
    const copy = new Response(bytes.slice(0), { headers: { 'Content-Type': type, 'Content-Length': String(bytes.byteLength), 'Cache-Control': `public, max-age=${CACHE_SECONDS}` } });
    ctx.waitUntil(cache.put(cacheKey, copy).catch(() => {}));
  }
  return serve(type, bytes.byteLength, async () => bytes);
}
