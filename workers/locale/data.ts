import { assetJson } from '../lib/assets';

/**
 * The locale tables, built by scripts/build-assets.mjs from npm data packages into static assets
 * (`locale/base.json` and one `locale/<language>.json` of names per language) and read once per
 * isolate. Nothing here is typed in by hand.
 */

export interface Currency {
  symbol: string;
  name: string;
  symbolNative: string;
  decimalDigits: number;
  rounding: number;
  code: string;
  namePlural: string;
}

export interface BaseTables {
  /** ISO 3166-1 alpha-2 codes (i18n-iso-countries). */
  countries: string[];
  /** EU members (is-eu-member, with ISO's GR for the EU's EL). */
  eu: string[];
  /** Calling codes (libphonenumber-js), ordered by code. */
  phones: { countryCode: string; code: string }[];
  currencies: Currency[];
  languages: { name: string; code: string; nativeName: string }[];
  /** The languages names are translated into: what `X-Appwrite-Locale` may ask for. */
  locales: { code: string; name: string }[];
  /** Per country: its continent code and main currency (countries-list). */
  countryInfo: Record<string, { continent: string; currency: string }>;
}

export interface Names {
  countries: Record<string, string>;
  continents: Record<string, string>;
  /** Currency names in this language, where the data has them. */
  currencies: Record<string, string>;
}

export const DEFAULT_LOCALE = 'en';

async function required<T>(assets: Fetcher, path: string): Promise<T> {
  const value = await assetJson<T>(assets, path);
  if (!value) throw new Error(`locale table ${path} is missing from the assets (run scripts/build-assets.mjs)`);
  return value;
}

export const baseTables = (assets: Fetcher) => required<BaseTables>(assets, 'locale/base.json');

export const namesIn = (assets: Fetcher, locale: string) => required<Names>(assets, `locale/${locale}.json`);

/**
 * The language to answer in, from `X-Appwrite-Locale` (or Appwrite's `locale` parameter): the code
 * itself when Ledge has names in it, else its language part (`pt-BR` → `pt`), else English.
 */
export function pickLocale(requested: string | undefined, available: { code: string }[]): string {
  const wanted = (requested ?? '').trim().toLowerCase().replace('_', '-');
  if (!wanted) return DEFAULT_LOCALE;
  const codes = new Set(available.map((l) => l.code));
  if (codes.has(wanted)) return wanted;
  const language = wanted.split('-')[0];
  return codes.has(language) ? language : DEFAULT_LOCALE;
}

/**
 * Appwrite sorts names with PHP's strcmp, by UTF-8 bytes rather than the language's collation;
 * UTF-16 code-unit order is the same for every name in these tables (none leaves the BMP).
 */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
