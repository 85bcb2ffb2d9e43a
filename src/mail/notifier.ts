import type { Config } from '../config/schema.js';
import type { User } from '../db/entities/user.js';
import type { Logger } from '../logger.js';
import type { MailComposer, MailKind } from './composer.js';
import type { Outbox } from './outbox.js';

/**
 * Tells users by email about their account: composes the message in their
 * language and queues it. Never fails the caller: a user without an email
 * address gets nothing, and a database error is logged.
 */
export class Notifier {
  readonly #composer: MailComposer;
  readonly #outbox: Outbox;
  readonly #logger: Logger;
  readonly #timeZone: string;

  constructor(composer: MailComposer, outbox: Outbox, logger: Logger, config: Config['mail']) {
    this.#composer = composer;
    this.#outbox = outbox;
    this.#logger = logger;
    this.#timeZone = config.timeZone;
  }

  /** A date as the user's language writes it, in the configured time zone. */
  formatDate(user: Pick<User, 'preferredLanguage'>, date: Date): string {
    return new Intl.DateTimeFormat(this.#composer.languageOf(user), {
      dateStyle: 'long',
      timeZone: this.#timeZone,
    }).format(date);
  }

  /**
   * Queues one message of `kind` to the user (or to `to`, e.g. the old
   * address after a change). Returns false when nothing was queued: no
   * address, a duplicate of a message with the same dedupe key, or an error.
   */
  async send(
    kind: MailKind,
    user: User,
    values: Record<string, string | number> = {},
    options: { to?: string | null; dedupeKey?: string } = {},
  ): Promise<boolean> {
    const to = options.to === undefined ? user.email : options.to;
    if (!to) return false;
    const mail = this.#composer.compose(kind, user, {
      date: this.formatDate(user, new Date()),
      ...values,
    });
    try {
      return await this.#outbox.enqueue({
        ...mail,
        kind,
        to,
        userId: user.id,
        ...(options.dedupeKey ? { dedupeKey: options.dedupeKey } : {}),
      });
    } catch (error) {
      this.#logger.error({ err: error, kind, sub: user.id }, 'mail could not be queued');
      return false;
    }
  }
}
