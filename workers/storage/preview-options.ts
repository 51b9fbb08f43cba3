/**
 * Appwrite's preview parameters, checked, and mapped onto the Images binding's transform and
 * output options. Pure, so the exact objects sent to `env.IMAGES` are unit-tested.
 *
 * What the binding cannot do is refused with `general_argument_invalid`, never approximated:
 * rotation other than a multiple of 90°, `opacity` below 1, `borderRadius` above 0, and `heic`
 * output (Cloudflare Images decodes HEIC but cannot encode it).
 */
import { z } from 'zod';
import { ApiError } from '../lib/errors';
import { describeZodError } from '../lib/validator';

export const GRAVITIES = ['center', 'top-left', 'top', 'top-right', 'left', 'right', 'bottom-left', 'bottom', 'bottom-right', 'auto'] as const;
export const OUTPUTS = ['jpg', 'jpeg', 'png', 'webp', 'heic', 'avif', 'gif'] as const;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const color = z.string().regex(/^#?[0-9a-fA-F]{6}$/, 'must be a 6-digit hex color').transform((v) => `#${v.replace(/^#/, '').toLowerCase()}`);

/** Appwrite's ranges (Storage `getFilePreview`); query values arrive as strings. */
const previewQuery = z.object({
  width: int(0, 4000).optional(),
  height: int(0, 4000).optional(),
  gravity: z.enum(GRAVITIES).optional(),
  quality: int(-1, 100).optional(),
  borderWidth: int(0, 100).optional(),
  borderColor: color.optional(),
  borderRadius: int(0, 4000).optional(),
  opacity: z.coerce.number().min(0).max(1).optional(),
  rotation: int(-360, 360).optional(),
  background: color.optional(),
  output: z.enum(OUTPUTS).optional(),
});

export type PreviewParams = z.output<typeof previewQuery>;

/** Reads the preview parameters; an empty value counts as not sent (the SDKs send `width=` etc.). */
export function parsePreviewParams(query: Record<string, string>): PreviewParams {
  const present = Object.fromEntries(Object.entries(query).filter(([k, v]) => v !== '' && k in previewQuery.shape));
  const result = previewQuery.safeParse(present);
  if (!result.success) throw new ApiError('general_argument_invalid', describeZodError(result.error));
  const p = result.data;
  const unsupported = (what: string) => {
    throw new ApiError('general_argument_invalid', `Invalid preview parameter: ${what} is not supported by Ledge's image pipeline (Cloudflare Images).`);
  };
  if (p.rotation !== undefined && p.rotation % 90 !== 0) unsupported('rotation other than a multiple of 90 degrees');
  if (p.opacity !== undefined && p.opacity < 1) unsupported('opacity below 1');
  if (p.borderRadius) unsupported('borderRadius');
  if (p.output === 'heic') unsupported('heic output (Cloudflare Images can read HEIC but not write it; use avif or webp)');
  return p;
}

type Format = ImageOutputOptions['format'];
const FORMATS: Record<string, Format> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif', gif: 'image/gif',
};
const SAME_AS_INPUT = new Set<Format>(['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif']);

/** The output format: the one asked for, else the original's when the binding can write it, else JPEG. */
export function outputFormat(p: PreviewParams, inputMime: string): Format {
  if (p.output) return FORMATS[p.output];
  return SAME_AS_INPUT.has(inputMime as Format) ? (inputMime as Format) : 'image/jpeg';
}

type Gravity = NonNullable<ImageTransform['gravity']>;
const GRAVITY: Record<(typeof GRAVITIES)[number], Gravity> = {
  center: 'center', top: 'top', bottom: 'bottom', left: 'left', right: 'right', auto: 'auto',
  'top-left': { x: 0, y: 0, mode: 'remainder' },
  'top-right': { x: 1, y: 0, mode: 'remainder' },
  'bottom-left': { x: 0, y: 1, mode: 'remainder' },
  'bottom-right': { x: 1, y: 1, mode: 'remainder' },
};

/**
 * The binding's transform: both sides given crop to fill them (Appwrite's `crop`, anchored by
 * gravity); one side given scales to it keeping the aspect ratio.
 */
export function previewTransform(p: PreviewParams): ImageTransform {
  const t: ImageTransform = {};
  if (p.width) t.width = p.width;
  if (p.height) t.height = p.height;
  if (p.width && p.height) {
    t.fit = 'cover';
    t.gravity = GRAVITY[p.gravity ?? 'center'];
  } else if (p.width || p.height) {
    t.fit = 'contain';
  }
  const rotate = p.rotation ? (((p.rotation % 360) + 360) % 360) : 0;
  if (rotate) t.rotate = rotate as 90 | 180 | 270;
  if (p.borderWidth) t.border = { color: p.borderColor ?? '#000000', width: p.borderWidth };
  if (p.background) t.background = p.background;
  return t;
}

export function previewOutput(p: PreviewParams, inputMime: string): ImageOutputOptions {
  const out: ImageOutputOptions = { format: outputFormat(p, inputMime) };
  if (p.quality !== undefined && p.quality >= 0) out.quality = p.quality;
  if (p.background) out.background = p.background;
  return out;
}

/** A stable text of everything that shapes the rendition, for its storage key and cache key. */
export function renditionSpec(p: PreviewParams, inputMime: string): string {
  return JSON.stringify({ t: previewTransform(p), o: previewOutput(p, inputMime) });
}
