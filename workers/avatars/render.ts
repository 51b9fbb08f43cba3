import { assetBytes } from '../lib/assets';

/**
 * SVG → PNG with resvg (Rust, compiled to wasm), kept out of the Worker bundle: its 2.4 MB of wasm
 * would take the bundle past the 1 MiB goal. A Worker cannot compile wasm from bytes itself, so the
 * renderer runs in an isolate of its own, built through the Worker Loader from static assets
 * (`avatars/renderer/`: resvg's JS glue, its wasm and the Inter font, copied from npm by
 * scripts/build-assets.mjs). The loader keeps that isolate warm between requests; it has no network.
 */

export interface RenderOptions {
  /** Output width in pixels; the SVG's own size when absent. Height follows the SVG's aspect. */
  width?: number;
  /** No anti-aliasing on shapes: square modules stay square (QR codes). */
  crisp?: boolean;
  /** Load the initials font (Inter) for `<text>`; other drawings skip the font parse. */
  text?: boolean;
}

/** The renderer isolate's entry module. Its id below changes with it, so a new version is never mixed with an old one. */
const ENTRY = `import { initWasm, Resvg } from './resvg.js';
import wasm from './resvg.wasm';
import inter from './inter.ttf';
let ready;
export default {
  async fetch(request) {
    ready ??= initWasm(wasm);
    await ready;
    const { svg, width, crisp, text } = await request.json();
    let resvg;
    try {
      resvg = new Resvg(svg, {
        font: { fontBuffers: text ? [new Uint8Array(inter)] : [], defaultFontFamily: 'Inter' },
        fitTo: width ? { mode: 'width', value: width } : { mode: 'original' },
        shapeRendering: crisp ? 1 : 2,
      });
      const image = resvg.render();
      const png = image.asPng();
      image.free();
      return new Response(png, { headers: { 'content-type': 'image/png' } });
    } catch (err) {
      return new Response(String(err), { status: 422 });
    } finally {
      resvg?.free();
    }
  },
};
`;

const ASSET_FILES = { glue: 'avatars/renderer/resvg.js', wasm: 'avatars/renderer/resvg.wasm', font: 'avatars/fonts/inter-regular.ttf' };

let rendererId: Promise<string> | undefined;

/** A name for the loader's cache: the entry and the asset build together. */
function idFor(assets: Fetcher): Promise<string> {
  rendererId ??= (async () => {
    const stamp = (await assetBytes(assets, 'avatars/renderer/version.txt')) ?? new Uint8Array();
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(ENTRY + new TextDecoder().decode(stamp)));
    return `ledge-avatar-renderer-${[...new Uint8Array(digest)].slice(0, 8).map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  })().catch((err) => {
    rendererId = undefined;
    throw err;
  });
  return rendererId;
}

async function required(assets: Fetcher, path: string): Promise<Uint8Array> {
  const bytes = await assetBytes(assets, path);
  if (!bytes) throw new Error(`${path} is missing from the assets (run scripts/build-assets.mjs)`);
  return bytes;
}

export interface RendererBindings {
  ASSETS: Fetcher;
  LOADER: WorkerLoader;
}

function renderer(env: RendererBindings, id: string) {
  return env.LOADER.get(id, async () => {
    const [glue, wasm, font] = await Promise.all([required(env.ASSETS, ASSET_FILES.glue), required(env.ASSETS, ASSET_FILES.wasm), required(env.ASSETS, ASSET_FILES.font)]);
    return {
      compatibilityDate: '2026-11-01',
      mainModule: 'index.js',
      modules: {
        'index.js': ENTRY,
        'resvg.js': { js: new TextDecoder().decode(glue) },
        'resvg.wasm': { wasm },
        'inter.ttf': { data: font.slice().buffer },
      },
      globalOutbound: null,
    };
  });
}

/** Thrown when resvg cannot draw the document (not SVG, or malformed). */
export class RenderError extends Error {}

/** Renders an SVG document to PNG bytes. */
export async function svgToPng(env: RendererBindings, svg: string, options: RenderOptions = {}): Promise<Uint8Array> {
  const worker = renderer(env, await idFor(env.ASSETS));
  const res = await worker.getEntrypoint().fetch('https://renderer.invalid/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ svg, ...options }),
  });
  if (res.status === 422) throw new RenderError(await res.text());
  if (!res.ok) throw new Error(`avatar renderer answered ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
