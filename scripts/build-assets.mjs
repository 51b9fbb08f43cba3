// Builds the static assets of the assets Worker (wrangler.assets.toml, read by Ledge through its
// ASSETS service binding, never served publicly) from maintained npm packages: the avatar icon
// sets, the initials font and the locale tables. Nothing here is hand-typed data except which icon
// stands for which Appwrite code. Runs from the assets Worker's [build] step (deploy), from
// `npm run dev`, the Miniflare launcher (e2e, bench) and vitest.config.ts; it skips the work when
// the inputs have not changed.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildFunctionSdk } from './build-function-sdk.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ASSETS_DIR = join(ROOT, 'build/assets');
const require = createRequire(join(ROOT, 'package.json'));

/** The packages the assets come from; their versions decide whether a rebuild is needed. */
const SOURCES = [
  'node-appwrite', 'esbuild',
  '@resvg/resvg-wasm', 'flag-icons', '@iconify-json/logos', '@expo-google-fonts/inter', 'i18n-iso-countries',
  'libphonenumber-js', 'countries-list', 'currency-list', 'is-eu-member',
];

/**
 * Appwrite's browser codes (app/config/avatars/browsers.php) → the SVG Logos icon drawn for them.
 * Codes whose browser the set lacks (Avant, Android WebView, Chromium) are absent: they answer
 * `avatar_not_found`.
 */
const BROWSERS = {
  ch: 'chrome', ci: 'chrome', cm: 'chrome', ff: 'firefox', sf: 'safari', mf: 'safari',
  ps: 'microsoft-edge', oi: 'microsoft-edge', om: 'opera', op: 'opera', on: 'opera',
};

/** Appwrite's credit-card codes (app/config/avatars/credit-cards.php) → SVG Logos icons. */
const CREDIT_CARDS = {
  amex: 'amex', diners: 'dinersclub', discover: 'discover', elo: 'elo', hipercard: 'hipercard',
  jcb: 'jcb', mastercard: 'mastercard', maestro: 'maestro', unionpay: 'unionpay', visa: 'visa',
};

/** Appwrite's continent codes → their UN M.49 / CLDR region, whose names CLDR translates. */
const CONTINENT_REGIONS = { AF: '002', AN: 'AQ', AS: '142', EU: '150', NA: '003', OC: '009', SA: '005' };

// Package folders, not entry points: some packages export no package.json.
const pkgDir = (name) => join(ROOT, 'node_modules', name);
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const writeJson = (path, value) => writeFileSync(path, JSON.stringify(value));

function fingerprint() {
  const hash = createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url)));
  for (const name of SOURCES) hash.update(`${name}@${readJson(join(pkgDir(name), 'package.json')).version}`);
  hash.update(process.versions.icu ?? '');
  return hash.digest('hex');
}

/** An Iconify icon as a standalone SVG document. */
function iconSvg(set, name) {
  const icon = set.icons[name];
  if (!icon) throw new Error(`@iconify-json/logos has no icon "${name}"`);
  const width = icon.width ?? set.width ?? 16;
  const height = icon.height ?? set.height ?? 16;
  const box = `${icon.left ?? 0} ${icon.top ?? 0} ${width} ${height}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="${box}">${icon.body}</svg>`;
}

function buildAvatars(out) {
  const flags = join(pkgDir('flag-icons'), 'flags/4x3');
  mkdirSync(join(out, 'avatars/flags'), { recursive: true });
  for (const file of readdirSync(flags)) if (file.endsWith('.svg')) copyFileSync(join(flags, file), join(out, 'avatars/flags', file));

  const logos = readJson(join(pkgDir('@iconify-json/logos'), 'icons.json'));
  for (const [folder, map] of [['browsers', BROWSERS], ['credit-cards', CREDIT_CARDS]]) {
    mkdirSync(join(out, 'avatars', folder), { recursive: true });
    for (const [code, name] of Object.entries(map)) writeFileSync(join(out, 'avatars', folder, `${code}.svg`), iconSvg(logos, name));
  }

  mkdirSync(join(out, 'avatars/fonts'), { recursive: true });
  copyFileSync(join(pkgDir('@expo-google-fonts/inter'), '400Regular/Inter_400Regular.ttf'), join(out, 'avatars/fonts/inter-regular.ttf'));

  // The SVG renderer (workers/avatars/render.ts loads it into an isolate of its own).
  const resvg = pkgDir('@resvg/resvg-wasm');
  mkdirSync(join(out, 'avatars/renderer'), { recursive: true });
  copyFileSync(join(resvg, 'index.mjs'), join(out, 'avatars/renderer/resvg.js'));
  copyFileSync(join(resvg, 'index_bg.wasm'), join(out, 'avatars/renderer/resvg.wasm'));
}

function continentNames(lang, english) {
  const supported = Intl.DisplayNames.supportedLocalesOf([lang]).length > 0;
  const names = supported ? new Intl.DisplayNames([lang], { type: 'region', fallback: 'none' }) : null;
  return Object.fromEntries(Object.entries(CONTINENT_REGIONS).map(([code, region]) => [code, names?.of(region) ?? english[code]]));
}

async function buildLocale(out) {
  const countriesI18n = require('i18n-iso-countries');
  const { countries, continents, languages } = require('countries-list');
  const { getCountries, getCountryCallingCode } = require('libphonenumber-js');
  const { getEuMembers } = require('is-eu-member');
  const currencies = readJson(join(pkgDir('currency-list'), 'lib/currency-list.json'));
  mkdirSync(join(out, 'locale'), { recursive: true });

  const english = countriesI18n.getNames('en', { select: 'official' });
  const codes = Object.keys(english).sort();
  const langs = countriesI18n.getSupportedLanguages().sort();

  // The EU writes Greece as EL; ISO 3166 (and Appwrite) as GR.
  const eu = getEuMembers().map((c) => (c === 'EL' ? 'GR' : c)).filter((c) => english[c]);
  const phones = getCountries()
    .filter((c) => english[c])
    .map((c) => ({ countryCode: c, code: getCountryCallingCode(c) }))
    .sort((a, b) => Number(a.code) - Number(b.code) || a.countryCode.localeCompare(b.countryCode));
  const currencyModel = (c) => ({
    symbol: c.symbol, name: c.name, symbolNative: c.symbol_native, decimalDigits: c.decimal_digits,
    rounding: c.rounding, code: c.code, namePlural: c.name_plural,
  });
  writeJson(join(out, 'locale/base.json'), {
    countries: codes,
    eu,
    phones,
    currencies: Object.values(currencies.en).map(currencyModel),
    languages: Object.entries(languages).map(([code, l]) => ({ name: l.name, code, nativeName: l.native })),
    locales: langs.map((code) => ({ code, name: languages[code]?.name ?? code })),
    countryInfo: Object.fromEntries(
      codes.filter((c) => countries[c]).map((c) => [c, { continent: countries[c].continent, currency: countries[c].currency[0] ?? '' }]),
    ),
  });

  for (const lang of langs) {
    const names = countriesI18n.getNames(lang, { select: 'official' });
    const currencyNames = currencies[lang] ?? {};
    writeJson(join(out, `locale/${lang}.json`), {
      countries: Object.fromEntries(codes.map((c) => [c, names[c] ?? english[c]])),
      continents: continentNames(lang, continents),
      currencies: Object.fromEntries(Object.entries(currencyNames).map(([code, c]) => [code, c.name])),
    });
  }
}

function copyLicences(out) {
  mkdirSync(join(out, 'licenses'), { recursive: true });
  const licences = {
    'flag-icons.txt': join(pkgDir('flag-icons'), 'LICENSE'),
    'i18n-iso-countries.txt': join(pkgDir('i18n-iso-countries'), 'LICENSE'),
    'countries-list.txt': join(pkgDir('countries-list'), 'LICENSE'),
    'libphonenumber-js.txt': join(pkgDir('libphonenumber-js'), 'LICENSE'),
    'resvg-wasm.txt': join(pkgDir('@resvg/resvg-wasm'), 'LICENSE'),
  };
  for (const [name, path] of Object.entries(licences)) if (existsSync(path)) copyFileSync(path, join(out, 'licenses', name));
  writeFileSync(
    join(out, 'licenses/README.txt'),
    [
      'SVG renderer: resvg via @resvg/resvg-wasm (MPL-2.0), unmodified.',
      'Flags: flag-icons (MIT). Browser and credit-card logos: SVG Logos via @iconify-json/logos (CC0-1.0);',
      'the logos are trademarks of their owners. Font: Inter (SIL Open Font License 1.1) via @expo-google-fonts/inter.',
      'Locale data: i18n-iso-countries (MIT), countries-list (MIT), libphonenumber-js (MIT), currency-list (MIT),',
      'is-eu-member (MIT); continent names from CLDR (Unicode licence) through the build machine\'s Intl.',
      '',
    ].join('\n'),
  );
}

/** Writes build/assets unless it is already up to date. Returns the directory. */
export async function buildAssets({ force = false } = {}) {
  const stamp = join(ASSETS_DIR, '.stamp');
  const print = fingerprint();
  if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8') === print) return ASSETS_DIR;
  const staging = `${ASSETS_DIR}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  buildAvatars(staging);
  await buildLocale(staging);
  // node-appwrite for function isolates (workers/functions/sdk.ts).
  await buildFunctionSdk(staging);
  copyLicences(staging);
  // The renderer isolate's cache key follows the asset build.
  writeFileSync(join(staging, 'avatars/renderer/version.txt'), print);
  writeFileSync(join(staging, '.stamp'), print);
  // Swap in whole, so a concurrent reader never sees half a directory.
  rmSync(ASSETS_DIR, { recursive: true, force: true });
  mkdirSync(dirname(ASSETS_DIR), { recursive: true });
  renameSync(staging, ASSETS_DIR);
  return ASSETS_DIR;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildAssets({ force: process.argv.includes('--force') });
}
