/**
 * Sizing shared by the avatar routes: Appwrite's crop rule (utopia-php/image `Image::crop`) and
 * fitting an SVG into a frame of that size for resvg.
 */

export interface Size {
  width: number;
  height: number;
}

/** The largest side Ledge draws (Appwrite's parameter bound). */
export const MAX_SIDE = 2000;

const side = (n: number) => Math.min(MAX_SIDE, Math.max(1, Math.trunc(n)));

/**
 * The output size Appwrite's `crop(width, height)` gives: a 0 side follows the source's aspect
 * ratio, both 0 keep the source size. Derived sides are held to MAX_SIDE, so an extreme aspect
 * ratio cannot ask for a huge canvas.
 */
export function cropSize(source: Size, width: number, height: number): Size {
  const aspect = source.width / source.height;
  if (!width && !height) return { width: side(source.width), height: side(source.height) };
  if (!width) return { width: side(height * aspect), height };
  if (!height) return { width, height: side(width / aspect) };
  return { width, height };
}

const number = (s: string | undefined) => (s !== undefined && /^\d+(\.\d+)?(px)?$/.test(s) ? Number.parseFloat(s) : undefined);

/** An SVG document's intrinsic size: its root width/height, else its viewBox, else 100×100. */
export function svgSize(svg: string): Size {
  const root = /<svg\b[^>]*>/i.exec(svg)?.[0] ?? '';
  const attr = (name: string) => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(root)?.[1];
  const box = attr('viewBox')?.trim().split(/[\s,]+/).map(Number);
  const viewBox = box && box.length === 4 && box[2] > 0 && box[3] > 0 ? { width: box[2], height: box[3] } : undefined;
  const width = number(attr('width'));
  const height = number(attr('height'));
  if (width && height) return { width, height };
  if (viewBox) return viewBox;
  return { width: 100, height: 100 };
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * `svg` drawn into a `size` frame, centred: `slice` fills the frame and crops the overflow
 * (Appwrite's crop), `meet` fits it whole and leaves the rest transparent (used for logos, which a
 * crop would cut). The document is embedded as a data URL, so it is never edited as text.
 */
export function framedSvg(svg: Uint8Array, size: Size, fit: 'slice' | 'meet'): string {
  const { width, height } = size;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}">` +
    `<image width="${width}" height="${height}" preserveAspectRatio="xMidYMid ${fit}" xlink:href="data:image/svg+xml;base64,${base64(svg)}"/>` +
    `</svg>`
  );
}
