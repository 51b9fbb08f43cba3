/**
 * Appwrite's initials avatar (src/Appwrite/AvatarPhotos/Providers/Initials.php): a square of the
 * background colour with the initials cut out of it (transparent), in Inter at half the shorter
 * side. Built as SVG here and rasterised by resvg.
 */

/** Appwrite's palette; the colour is picked from the initials so a name always gets the same one. */
const THEMES = ['#FD366E', '#FE9567', '#7C67FE', '#68A3FE', '#85DBD8'];

/** Edge length when a side is 0 (Appwrite's DEFAULT_SIZE). */
export const DEFAULT_INITIALS_SIZE = 500;

/**
 * First letter of the first two words that start with an ASCII letter or digit, upper-cased.
 * Underscores separate words when there are no spaces. As in Appwrite, a word that does not start
 * with a letter or digit is skipped and does not count as the second.
 */
export function initialsOf(name: string): string {
  const upper = name.replace(/[a-z]/g, (ch) => ch.toUpperCase());
  let words = upper.split(' ');
  if (words.length === 1) words = upper.split('_');
  let initials = '';
  for (const [index, word] of words.entries()) {
    if (/^[A-Z0-9]/.test(word)) {
      initials += word[0];
      if (index === 1) break;
    }
  }
  return initials;
}

/** Appwrite's getTheme: the last digit of the initials' character-code sum, folded onto the palette. */
export function themeColor(initials: string): string {
  let code = 0;
  for (const ch of initials) code += ch.charCodeAt(0);
  const last = code % 10;
  return THEMES[last > THEMES.length - 1 ? last % THEMES.length : last];
}

export interface InitialsOptions {
  name: string;
  width: number;
  height: number;
  /** Hex colour without '#', 3 or 6 digits; empty for the theme colour. */
  background: string;
}

/** The avatar as an SVG document; `font-family` names the font the renderer is given. */
export function initialsSvg(options: InitialsOptions, fontFamily: string): string {
  const initials = initialsOf(options.name);
  const width = options.width > 0 ? options.width : DEFAULT_INITIALS_SIZE;
  const height = options.height > 0 ? options.height : DEFAULT_INITIALS_SIZE;
  const fill = options.background ? `#${options.background.replace(/^#/, '')}` : themeColor(initials);
  const fontSize = Math.min(width, height) / 2;
  // Appwrite's text anchor: x = width / 1.97, baseline at height / 2 + fontSize / 3.
  const x = (width / 1.97).toFixed(2);
  const y = (height / 2 + fontSize / 3).toFixed(2);
  // `initials` is [A-Z0-9]* and `fill` a validated hex colour: nothing here needs escaping.
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<mask id="cut" maskUnits="userSpaceOnUse" x="0" y="0" width="${width}" height="${height}">` +
    `<rect width="${width}" height="${height}" fill="#fff"/>` +
    `<text x="${x}" y="${y}" font-family="${fontFamily}" font-size="${fontSize}" text-anchor="middle" fill="#000">${initials}</text>` +
    `</mask>` +
    `<rect width="${width}" height="${height}" fill="${fill}" mask="url(#cut)"/>` +
    `</svg>`
  );
}
