import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { requireScope } from '../middleware/principal';
import { clientIp } from '../http/request';
import { baseTables, byteOrder, namesIn, pickLocale, type BaseTables, type Names } from './data';

type C = Context<AppEnv>;

/** Appwrite's `locale.country.unknown`. */
const UNKNOWN = 'Unknown';

/** The caller's tables and names in the language asked for (`X-Appwrite-Locale`, or `?locale=`). */
async function tables(c: C): Promise<{ base: BaseTables; names: Names }> {
  const base = await baseTables(c.env.ASSETS);
  const locale = pickLocale(c.req.query('locale') ?? c.req.header('X-Appwrite-Locale'), base.locales);
  return { base, names: await namesIn(c.env.ASSETS, locale) };
}

const countryList = (codes: string[], names: Names) =>
  codes
    .filter((code) => names.countries[code])
    .map((code) => ({ name: names.countries[code], code }))
    .sort((a, b) => byteOrder(a.name, b.name));

/**
 * Where the request comes from, as Cloudflare's edge saw it (`request.cf`). A request without it
 * (a self-hosted workerd, a test) is Appwrite's unknown location: `--` and "Unknown".
 */
function geo(c: C, base: BaseTables) {
  const cf = c.req.raw.cf as IncomingRequestCfProperties | undefined;
  const country = typeof cf?.country === 'string' && base.countryInfo[cf.country] ? cf.country : undefined;
  const continent = typeof cf?.continent === 'string' && cf.continent.length === 2 ? cf.continent : country && base.countryInfo[country].continent;
  return { country, continent, eu: cf?.isEUCountry === '1' || (country !== undefined && base.eu.includes(country)) };
}

/** `/v1/locale`: Appwrite's Locale service, scope `locale.read` (guests and users hold it). */
export const localeRoutes = new Hono<AppEnv>()
  .use(requireScope('locale.read'))
  .get('/', async (c) => {
    const { base, names } = await tables(c);
    const { country, continent, eu } = geo(c, base);
    return c.json({
      ip: clientIp(c.req.raw.headers),
      countryCode: country ?? '--',
      country: (country && names.countries[country]) || UNKNOWN,
      continentCode: continent ?? '--',
      continent: (continent && names.continents[continent]) || UNKNOWN,
      eu,
      currency: (country && base.countryInfo[country].currency) || '',
    });
  })
  .get('/codes', async (c) => {
    const { locales } = await baseTables(c.env.ASSETS);
    return c.json({ total: locales.length, localeCodes: locales });
  })
  .get('/countries', async (c) => {
    const { base, names } = await tables(c);
    const countries = countryList(base.countries, names);
    return c.json({ total: countries.length, countries });
  })
  .get('/countries/eu', async (c) => {
    const { base, names } = await tables(c);
    const countries = countryList(base.eu, names);
    return c.json({ total: countries.length, countries });
  })
  .get('/countries/phones', async (c) => {
    const { base, names } = await tables(c);
    const phones = base.phones
      .filter((p) => names.countries[p.countryCode])
      .map((p) => ({ code: `+${p.code}`, countryCode: p.countryCode, countryName: names.countries[p.countryCode] }));
    return c.json({ total: phones.length, phones });
  })
  .get('/continents', async (c) => {
    const { names } = await tables(c);
    const continents = Object.entries(names.continents)
      .map(([code, name]) => ({ name, code }))
      .sort((a, b) => byteOrder(a.name, b.name));
    return c.json({ total: continents.length, continents });
  })
  .get('/currencies', async (c) => {
    const { base, names } = await tables(c);
    const currencies = base.currencies.map((cur) => ({ ...cur, name: names.currencies[cur.code] ?? cur.name }));
    return c.json({ total: currencies.length, currencies });
  })
  .get('/languages', async (c) => {
    const { languages } = await baseTables(c.env.ASSETS);
    return c.json({ total: languages.length, languages });
  });
