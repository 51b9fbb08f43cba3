import { ApiError } from '../lib/errors';
import { guardedFetch, OutboundError, type OutboundPolicy, type OutboundResponse } from '../lib/net';
import { cropSize, framedSvg, svgSize } from './frame';
import { svgToPng, type RendererBindings } from './render';

/**
 * `getImage` and `getFavicon`: images fetched from URLs the caller names, through the SSRF guard
 * (lib/net), bounded in time and size, and re-encoded as PNG — the remote bytes are never served
 * as they came, except `.ico` favicons, which no renderer here decodes.
 */

/** Bounds on what a remote fetch may cost (README "Avatars"). */
export const REMOTE_LIMITS = {
  image: { timeoutMs: 10_000, maxBytes: 10 * 1024 * 1024, maxRedirects: 0 },
  page: { timeoutMs: 5_000, maxBytes: 1024 * 1024, maxRedirects: 5 },
  icon: { timeoutMs: 5_000, maxBytes: 1024 * 1024, maxRedirects: 5 },
} as const;

/** Appwrite's favicon size. */
const FAVICON_SIZE = 56;

export interface RemoteDeps {
  images: ImagesBinding;
  /** Draws SVG images (the Images binding does not rasterise SVG). */
  renderer: RendererBindings;
  policy: OutboundPolicy;
  /** The fetch used for remote URLs (tests inject one). */
  fetch?: typeof fetch;
  userAgent?: string;
}

export interface Rendered {
  body: Uint8Array;
  contentType: string;
}

async function fetchRemote(url: string, deps: RemoteDeps, limits: (typeof REMOTE_LIMITS)[keyof typeof REMOTE_LIMITS]): Promise<OutboundResponse> {
  try {
    return await guardedFetch(url, {
      ...deps.policy,
      ...limits,
      fetch: deps.fetch,
      headers: deps.userAgent ? { 'user-agent': deps.userAgent } : undefined,
    });
  } catch (err) {
    if (err instanceof OutboundError) throw new ApiError('avatar_remote_url_failed', err.message);
    throw err;
  }
}

const stream = (bytes: Uint8Array) => new Blob([bytes]).stream();

/** Any image the Images binding reads (or an SVG, which resvg draws), cropped as Appwrite does, as PNG. */
export async function cropToPng(deps: Pick<RemoteDeps, 'images' | 'renderer'>, bytes: Uint8Array, width: number, height: number): Promise<Uint8Array | null> {
  const { images } = deps;
  let info: Awaited<ReturnType<ImagesBinding['info']>>;
  try {
    info = await images.info(stream(bytes));
  } catch {
    return null;
  }
  if (info.format === 'image/svg+xml' || !('width' in info)) {
    const text = new TextDecoder().decode(bytes);
    const size = cropSize(svgSize(text), width, height);
    return svgToPng(deps.renderer, framedSvg(bytes, size, 'slice')).catch(() => null);
  }
  const size = cropSize({ width: info.width, height: info.height }, width, height);
  try {
    const out = await images.input(stream(bytes)).transform({ ...size, fit: 'cover' }).output({ format: 'image/png' });
    return new Uint8Array(await out.response().arrayBuffer());
  } catch {
    return null;
  }
}

export async function remoteImage(url: string, width: number, height: number, deps: RemoteDeps): Promise<Rendered> {
  const res = await fetchRemote(url, deps, REMOTE_LIMITS.image);
  if (res.status !== 200) throw new ApiError('avatar_image_not_found');
  const png = await cropToPng(deps, res.body, width, height);
  if (!png) throw new ApiError('avatar_image_not_found');
  return { body: png, contentType: 'image/png' };
}

interface IconLink {
  href: string;
  ext: string;
  area: number;
}

/** Appwrite's choice among `<link rel="icon">`s: an SVG wins; otherwise the largest `sizes`, later ones on ties. */
async function pickIcon(html: Uint8Array, base: URL): Promise<IconLink | null> {
  let best: IconLink | null = null;
  await new HTMLRewriter()
    .on('link', {
      element(el) {
        const rel = (el.getAttribute('rel') ?? '').trim().toLowerCase();
        const href = el.getAttribute('href');
        if ((rel !== 'icon' && rel !== 'shortcut icon') || !href || !URL.canParse(href, base.href)) return;
        const absolute = new URL(href, base);
        const ext = /\.([a-z0-9]+)$/i.exec(absolute.pathname)?.[1]?.toLowerCase() ?? '';
        if (ext === 'svg') {
          best = { href: absolute.href, ext, area: Number.MAX_SAFE_INTEGER };
        } else if (['ico', 'png', 'jpg', 'jpeg'].includes(ext)) {
          const [w, h] = (el.getAttribute('sizes') ?? '').toLowerCase().split('x').map((n) => Number.parseInt(n, 10) || 0);
          const area = w * (h ?? 0);
          if (area >= (best?.area ?? 0)) best = { href: absolute.href, ext, area };
        }
      },
    })
    .transform(new Response(html, { headers: { 'content-type': 'text/html' } }))
    .arrayBuffer();
  return best;
}

export async function remoteFavicon(url: string, deps: RemoteDeps): Promise<Rendered> {
  const page = await fetchRemote(url, deps, REMOTE_LIMITS.page);
  const picked = page.body.byteLength > 0 ? await pickIcon(page.body, page.url) : null;
  const icon = picked ?? { href: new URL('/favicon.ico', page.url).href, ext: 'ico', area: 0 };

  const res = await fetchRemote(icon.href, deps, REMOTE_LIMITS.icon);
  if (res.status !== 200) throw new ApiError('avatar_icon_not_found');

  if (icon.ext === 'ico') {
    const head = new TextDecoder().decode(res.body.subarray(0, 16)).trimStart().toLowerCase();
    if (res.body.byteLength === 0 || head.startsWith('<html') || head.startsWith('<!doc')) {
      throw new ApiError('avatar_icon_not_found', 'Favicon not found');
    }
    return { body: res.body, contentType: 'image/x-icon' };
  }
  // SVGs are rasterised rather than served: a drawing cannot carry script.
  const png = await cropToPng(deps, res.body, FAVICON_SIZE, FAVICON_SIZE);
  if (!png) throw new ApiError('avatar_icon_not_found');
  return { body: png, contentType: 'image/png' };
}
