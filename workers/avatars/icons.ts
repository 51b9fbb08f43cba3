import { assetBytes } from '../lib/assets';
import { ApiError } from '../lib/errors';
import { cropSize, framedSvg, svgSize } from './frame';
import { svgToPng, type RendererBindings } from './render';

/** The icon sets kept as static assets (scripts/build-assets.mjs), one SVG per Appwrite code. */
export type IconSet = 'flags' | 'browsers' | 'credit-cards';

/**
 * Flags are cropped to the frame as Appwrite crops them; logos are fitted whole instead (a crop
 * would cut a wide card logo in half), on a transparent ground.
 */
const FIT: Record<IconSet, 'slice' | 'meet'> = { flags: 'slice', browsers: 'meet', 'credit-cards': 'meet' };

/** Codes are lower-case letters, digits and dashes (`fr`, `gb-sct`, `credit-cards/amex`). */
export const ICON_CODE = /^[a-z0-9-]{1,32}$/;

/** The icon for `code` as a PNG of Appwrite's crop size; `avatar_not_found` when the set has none. */
export async function iconPng(env: RendererBindings, set: IconSet, code: string, width: number, height: number): Promise<Uint8Array> {
  const lower = code.toLowerCase();
  const svg = ICON_CODE.test(lower) ? await assetBytes(env.ASSETS, `avatars/${set}/${lower}.svg`) : null;
  if (!svg) throw new ApiError('avatar_not_found');
  const size = cropSize(svgSize(new TextDecoder().decode(svg)), width, height);
  return svgToPng(env, framedSvg(svg, size, FIT[set]));
}
