import { describe, expect, it } from 'vitest';
import { call, errorOf, keyWith, okJson, type CallInit } from '../../test/helpers';
import { pickLocale } from './data';

type Named = { name: string; code: string };

const get = <T>(path: string, init: CallInit = {}) => call(path, init).then((res) => okJson<T>(res));
const inLocale = (locale: string): CallInit => ({ headers: { 'X-Appwrite-Locale': locale } });

const isSortedByName = (list: { name: string }[]) => list.every((item, i) => i === 0 || list[i - 1].name <= item.name);

describe('pickLocale', () => {
  const available = [{ code: 'en' }, { code: 'fr' }, { code: 'pt' }, { code: 'zh' }];
  it.each([
    [undefined, 'en'], ['', 'en'], ['fr', 'fr'], ['FR', 'fr'], ['pt-BR', 'pt'], ['pt_br', 'pt'], ['zh-tw', 'zh'], ['xx', 'en'], ['de', 'en'],
  ])('%j → %s', (requested, locale) => {
    expect(pickLocale(requested, available)).toBe(locale);
  });
});

describe('GET /v1/locale', () => {
  it("answers from the request's cf location", async () => {
    const cf = { country: 'DE', continent: 'EU', isEUCountry: '1' };
    const body = await get('/v1/locale', { cf, headers: { 'CF-Connecting-IP': '203.0.113.9' } } as CallInit);
    expect(body).toEqual({ ip: '203.0.113.9', countryCode: 'DE', country: 'Germany', continentCode: 'EU', continent: 'Europe', eu: true, currency: 'EUR' });
    const french = await get<{ country: string; continent: string }>('/v1/locale', { cf, headers: { 'X-Appwrite-Locale': 'fr' } } as CallInit);
    expect([french.country, french.continent]).toEqual(['Allemagne', 'Europe']);
    const brazil = await get('/v1/locale', { cf: { country: 'BR', continent: 'SA' } } as CallInit);
    expect(brazil).toMatchObject({ countryCode: 'BR', continentCode: 'SA', continent: 'South America', eu: false, currency: 'BRL' });
  });

  it('is the unknown location when the request has no cf data (or Tor, or an unknown country)', async () => {
    const unknown = { countryCode: '--', country: 'Unknown', continentCode: '--', continent: 'Unknown', eu: false, currency: '' };
    expect(await get('/v1/locale')).toMatchObject(unknown);
    expect(await get('/v1/locale', { cf: { country: 'T1' } } as CallInit)).toMatchObject(unknown);
    expect(await get('/v1/locale', { cf: { country: 'XX' } } as CallInit)).toMatchObject(unknown);
  });
});

describe('GET /v1/locale/countries', () => {
  it('lists every ISO 3166 country, sorted by name, in the language asked for', async () => {
    const en = await get<{ total: number; countries: Named[] }>('/v1/locale/countries');
    expect(en.total).toBe(en.countries.length);
    expect(en.total).toBeGreaterThanOrEqual(249);
    expect(new Set(en.countries.map((c) => c.code)).size).toBe(en.total);
    expect(isSortedByName(en.countries)).toBe(true);
    expect(en.countries).toContainEqual({ name: 'France', code: 'FR' });
    const fr = await get<{ total: number; countries: Named[] }>('/v1/locale/countries', inLocale('fr'));
    expect(fr.total).toBe(en.total);
    expect(fr.countries).toContainEqual({ name: 'Allemagne', code: 'DE' });
    expect(isSortedByName(fr.countries)).toBe(true);
    const ja = await get<{ countries: Named[] }>('/v1/locale/countries?locale=ja');
    expect(ja.countries.find((c) => c.code === 'JP')?.name).toBe('日本');
  });

  it('lists the 27 EU members', async () => {
    const eu = await get<{ total: number; countries: Named[] }>('/v1/locale/countries/eu');
    expect(eu.total).toBe(27);
    const codes = eu.countries.map((c) => c.code);
    expect(codes).toEqual(expect.arrayContaining(['AT', 'DE', 'FR', 'GR', 'SE']));
    expect(codes).not.toContain('GB');
    expect(codes).not.toContain('EL');
  });

  it('lists calling codes with country names, ordered by code', async () => {
    const { total, phones } = await get<{ total: number; phones: { code: string; countryCode: string; countryName: string }[] }>('/v1/locale/countries/phones');
    expect(total).toBe(phones.length);
    expect(total).toBeGreaterThan(230);
    expect(phones).toContainEqual({ code: '+33', countryCode: 'FR', countryName: 'France' });
    expect(phones).toContainEqual({ code: '+383', countryCode: 'XK', countryName: 'Kosovo' });
    expect(phones.find((p) => p.countryCode === 'US')?.code).toBe('+1');
    const numbers = phones.map((p) => Number(p.code.slice(1)));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    const de = await get<{ phones: { countryCode: string; countryName: string }[] }>('/v1/locale/countries/phones', inLocale('de'));
    expect(de.phones.find((p) => p.countryCode === 'FR')?.countryName).toBe('Frankreich');
  });
});

describe('continents, currencies, languages, codes', () => {
  it('lists the seven continents, translated', async () => {
    const en = await get<{ total: number; continents: Named[] }>('/v1/locale/continents');
    expect(en.total).toBe(7);
    expect(en.continents.map((c) => c.code).sort()).toEqual(['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA']);
    expect(en.continents[0]).toEqual({ name: 'Africa', code: 'AF' });
    const fr = await get<{ continents: Named[] }>('/v1/locale/continents', inLocale('fr'));
    expect(fr.continents).toContainEqual({ name: 'Amérique du Sud', code: 'SA' });
  });

  it("lists currencies in Appwrite's model, names translated where the data has them", async () => {
    const { total, currencies } = await get<{ total: number; currencies: Record<string, unknown>[] }>('/v1/locale/currencies');
    expect(total).toBe(currencies.length);
    expect(total).toBeGreaterThan(100);
    expect(currencies.find((c) => c.code === 'USD')).toEqual({
      symbol: '$', name: 'US Dollar', symbolNative: '$', decimalDigits: 2, rounding: 0, code: 'USD', namePlural: 'US dollars',
    });
    const fr = await get<{ currencies: Record<string, unknown>[] }>('/v1/locale/currencies', inLocale('fr'));
    expect(fr.currencies.find((c) => c.code === 'EUR')?.name).toBe('euro');
  });

  it('lists ISO 639-1 languages with native names, and the locales Ledge translates into', async () => {
    const { total, languages } = await get<{ total: number; languages: Record<string, string>[] }>('/v1/locale/languages');
    expect(total).toBeGreaterThan(180);
    expect(languages).toContainEqual({ name: 'French', code: 'fr', nativeName: 'Français' });
    const codes = await get<{ total: number; localeCodes: Named[] }>('/v1/locale/codes');
    expect(codes.localeCodes).toContainEqual({ code: 'fr', name: 'French' });
    expect(codes.total).toBe(codes.localeCodes.length);
  });
});

describe('who may call', () => {
  it('lets guests in and refuses a key without locale.read', async () => {
    await get('/v1/locale/continents');
    const key = await keyWith(['users.read']);
    const err = await errorOf(await call('/v1/locale/countries', { key }));
    expect([err.status, err.type]).toEqual([401, 'general_unauthorized_scope']);
  });
});
