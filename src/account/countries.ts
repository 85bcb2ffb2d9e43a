import { createRequire } from 'node:module';

import countries from 'i18n-iso-countries';

// The library ships one JSON file of names per language; register those we speak.
const require = createRequire(import.meta.url);
for (const lang of ['da', 'en']) {
  countries.registerLocale(require(`i18n-iso-countries/langs/${lang}.json`));
}

/** Every ISO 3166-1 alpha-2 code. */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && countries.isValid(code);
}

/** The countries as a list for a select, named and sorted in `lang` (English when unknown). */
export function countryOptions(lang: string): { value: string; text: string }[] {
  const names = countries.getNames(countries.langs().includes(lang) ? lang : 'en', {
    select: 'official',
  });
  const collator = new Intl.Collator(lang);
  return Object.entries(names)
    .map(([value, text]) => ({ value, text }))
    .sort((a, b) => collator.compare(a.text, b.text));
}
