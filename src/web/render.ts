import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import Handlebars from 'handlebars';
import type { TFunction } from 'i18next';

import type { Config } from '../config/schema.js';
import type { Catalogue } from '../i18n/catalogue.js';
import { VIEWS_DIR } from '../paths.js';

export interface PageContext {
  lang: string;
  /** Path and query of the request: the language selector submits back to it. */
  path: string;
}

/** The selector's form: the same path (always local) and query, without `lang`. */
function selectorTarget(pathAndQuery: string) {
  const [path = '/', query = ''] = pathAndQuery.split('?', 2);
  const params = new URLSearchParams(query);
  params.delete('lang');
  return {
    action: `/${path.replace(/^[/\\]+/, '')}`,
    hidden: [...params].map(([name, value]) => ({ name, value })),
  };
}

export type PageData = Record<string, unknown> & { title: string };

/**
 * Renders the handlebars views: every page inside views/layout.hbs, partials
 * from views/partials/. Templates are compiled once at start-up. `{{t "key"}}`
 * looks a message up in the page's language; its output is escaped like any
 * other value.
 */
export class Renderer {
  readonly #hbs = Handlebars.create();
  readonly #pages = new Map<string, Handlebars.TemplateDelegate>();
  readonly #layout: Handlebars.TemplateDelegate;
  readonly #config: Config;
  readonly #catalogue: Catalogue;

  constructor(config: Config, catalogue: Catalogue) {
    this.#config = config;
    this.#catalogue = catalogue;

    this.#hbs.registerHelper(
      't',
      function (this: unknown, key: string, options: Handlebars.HelperOptions) {
        const t = options.data.root.t as TFunction;
        return t(key, options.hash);
      },
    );
    this.#hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);

    const partials = join(VIEWS_DIR, 'partials');
    for (const file of readdirSync(partials).filter((f) => f.endsWith('.hbs'))) {
      this.#hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(partials, file), 'utf8'));
    }
    for (const file of readdirSync(VIEWS_DIR).filter((f) => f.endsWith('.hbs'))) {
      const template = this.#hbs.compile(readFileSync(join(VIEWS_DIR, file), 'utf8'), {
        strict: false,
      });
      this.#pages.set(basename(file, '.hbs'), template);
    }
    this.#layout = this.#page('layout');
  }

  translator(lang: string): TFunction {
    return this.#catalogue.translator(lang);
  }

  render(view: string, page: PageContext, data: PageData): string {
    const t = this.translator(page.lang);
    const root = {
      ...data,
      t,
      lang: page.lang,
      brand: this.#config.brand,
      languageSelector: {
        ...selectorTarget(page.path),
        options: this.#catalogue.languages.map((code) => ({
          code,
          name: this.translator(code)('language.name'),
          selected: code === page.lang,
        })),
      },
    };
    const body = this.#page(view)(root);
    return this.#layout({ ...root, body });
  }

  #page(name: string): Handlebars.TemplateDelegate {
    const template = this.#pages.get(name);
    if (!template) throw new Error(`no view named ${name}`);
    return template;
  }
}
