import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import i18next, { type TFunction } from 'i18next';

import { LOCALES_DIR } from '../paths.js';

export type Messages = { [key: string]: string | Messages };

/** Reads the message catalogue of a language from `views/locales/<lang>.json`. */
export function readCatalogue(lang: string): Messages {
  return JSON.parse(readFileSync(join(LOCALES_DIR, `${lang}.json`), 'utf8')) as Messages;
}

/**
 * The message catalogues of every supported language, loaded once. Values
 * are interpolated raw: the templates escape whatever a message produces.
 */
export class Catalogue {
  readonly languages: readonly string[];
  readonly #instance = i18next.createInstance();

  private constructor(languages: readonly string[]) {
    this.languages = languages;
  }

  static async load(languages: readonly string[]): Promise<Catalogue> {
    const catalogue = new Catalogue(languages);
    const resources = Object.fromEntries(
      languages.map((lang) => [lang, { translation: readCatalogue(lang) }]),
    );
    await catalogue.#instance.init({
      resources,
      supportedLngs: [...languages],
      fallbackLng: false,
      interpolation: { escapeValue: false },
      returnNull: false,
      initAsync: false,
    });
    return catalogue;
  }

  /** Keys that some supported language lacks. */
  missing(keys: readonly string[]): string[] {
    return keys.filter((key) => this.languages.some((lng) => !this.#instance.exists(key, { lng })));
  }

  translator(lang: string): TFunction {
    return this.#instance.getFixedT(lang);
  }
}
