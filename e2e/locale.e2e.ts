import { Client as WebClient, Locale as WebLocale } from 'appwrite';
import countries from 'i18n-iso-countries';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js';
import { Locale } from 'node-appwrite';
import { describe, expect, it } from 'vitest';
import { ledge, serverClient } from './support/ledge';

/**
 * Locale through both SDKs, checked for completeness against the data packages themselves: every
 * ISO 3166 country, and a calling code for every country that has one.
 */

const english = countries.getNames('en', { select: 'official' });
const isoCodes = Object.keys(english).sort();
const webLocale = (locale?: string) => {
  const client = new WebClient().setEndpoint(ledge.endpoint).setProject(ledge.projectId);
  if (locale) client.setLocale(locale);
  return new WebLocale(client);
};

describe('listCountries', () => {
  it('is complete: every ISO 3166-1 country once, with its English name (node-appwrite)', async () => {
    const list = await new Locale(serverClient()).listCountries();
    expect(list.total).toBe(isoCodes.length);
    expect(list.countries.map((c) => c.code).sort()).toEqual(isoCodes);
    for (const c of list.countries) expect(c.name, c.code).toBe(english[c.code]);
  });

  it('is complete and translated for the web SDK with setLocale', async () => {
    const french = countries.getNames('fr', { select: 'official' });
    const list = await webLocale('fr').listCountries();
    expect(list.total).toBe(isoCodes.length);
    for (const c of list.countries) expect(c.name, c.code).toBe(french[c.code]);
  });
});

describe('listCountriesPhones', () => {
  it('is complete: every country with a calling code, with the right code', async () => {
    const expected = getCountries()
      .filter((code) => english[code])
      .map((code) => ({ countryCode: code, code: `+${getCountryCallingCode(code)}`, countryName: english[code] }));
    const list = await new Locale(serverClient()).listCountriesPhones();
    expect(list.total).toBe(expected.length);
    expect([...list.phones].sort((a, b) => a.countryCode.localeCompare(b.countryCode))).toEqual(
      expected.sort((a, b) => a.countryCode.localeCompare(b.countryCode)),
    );
    const web = await webLocale().listCountriesPhones();
    expect(web.phones).toEqual(list.phones);
  });
});

describe('the other lists and get', () => {
  it("answer in Appwrite's models", async () => {
    const locale = new Locale(serverClient());
    const eu = await locale.listCountriesEU();
    expect(eu.total).toBe(27);
    const continents = await locale.listContinents();
    expect(continents.continents).toContainEqual({ name: 'Europe', code: 'EU' });
    const currencies = await locale.listCurrencies();
    expect(currencies.currencies.find((c) => c.code === 'JPY')).toMatchObject({ symbolNative: '￥', decimalDigits: 0 });
    const languages = await locale.listLanguages();
    expect(languages.languages).toContainEqual({ name: 'German', code: 'de', nativeName: 'Deutsch' });
    const codes = await locale.listCodes();
    expect(codes.localeCodes.map((c) => c.code)).toContain('fr');
    const here = await webLocale().get();
    expect(Object.keys(here).sort()).toEqual(['continent', 'continentCode', 'country', 'countryCode', 'currency', 'eu', 'ip']);
    expect(typeof here.eu).toBe('boolean');
  });
});
