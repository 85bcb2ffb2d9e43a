import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import Handlebars from 'handlebars';

import type { Config } from '../config/schema.js';
import type { User } from '../db/entities/user.js';
import type { Catalogue } from '../i18n/catalogue.js';
import { VIEWS_DIR } from '../paths.js';

/** The messages the provider sends; each has `mail.<kind>.subject` and `.body` catalogue keys. */
export type MailKind =
  | 'passwordExpiring'
  | 'passwordChanged'
  | 'questionsChanged'
  | 'emailChanged'
  | 'recoveryLocked'
  | 'signInLocked';

export interface ComposedMail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Writes a message in the recipient's language from the same catalogues as
 * the pages: the text part, and the HTML part from views/mail/message.hbs
 * (escaped like every view). Messages never carry a secret: no password, no
 * answer, no token; the only link is to the provider's own start page.
 */
export class MailComposer {
  readonly #template: Handlebars.TemplateDelegate;
  readonly #catalogue: Catalogue;
  readonly #config: Config;

  constructor(config: Config, catalogue: Catalogue) {
    this.#config = config;
    this.#catalogue = catalogue;
    this.#template = Handlebars.create().compile(
      readFileSync(join(VIEWS_DIR, 'mail', 'message.hbs'), 'utf8'),
      { strict: false },
    );
  }

  /** The language a user's messages are written in. */
  languageOf(user: Pick<User, 'preferredLanguage'>): string {
    const preferred = user.preferredLanguage ?? '';
    return this.#catalogue.languages.includes(preferred)
      ? preferred
      : this.#config.languages.default;
  }

  compose(
    kind: MailKind,
    user: Pick<User, 'preferredLanguage' | 'firstName' | 'lastName' | 'username'>,
    values: Record<string, string | number> = {},
  ): ComposedMail {
    const lang = this.languageOf(user);
    const t = this.#catalogue.translator(lang);
    const name = [user.firstName, user.lastName].filter(Boolean).join(' ') || user.username;
    // A `days` value also picks the singular or plural form of a message.
    const vars = {
      ...values,
      ...(typeof values.days === 'number' ? { count: values.days } : {}),
      brand: this.#config.brand.name,
    };
    const subject = t(`mail.${kind}.subject`, vars);
    const greeting = t('mail.greeting', { name });
    const paragraphs = t(`mail.${kind}.body`, vars)
      .split('\n')
      .filter((line) => line.trim());
    const link = { url: `${this.#config.issuer}/`, text: t('mail.link', vars) };
    const footer = t('mail.footer', vars);

    const text = [greeting, ...paragraphs, `${link.text}: ${link.url}`, footer].join('\n\n');
    const html = this.#template({
      lang,
      subject,
      brand: this.#config.brand.name,
      greeting,
      paragraphs,
      link,
      footer,
    });
    return { subject, text: `${text}\n`, html };
  }
}
