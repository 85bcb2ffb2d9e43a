import { randomUUID } from 'node:crypto';

import { type DataSource, type EntityManager, IsNull, LessThanOrEqual } from 'typeorm';

import { MailMessage } from '../db/entities/mail-message.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import type { Logger } from '../logger.js';
import type { ComposedMail } from './composer.js';
import type { MailTransport } from './transport.js';

/** How long one instance holds a message it is delivering before another may try. */
const CLAIM_MS = 60_000;
const FIRST_RETRY_MS = 30_000;
const LAST_RETRY_MS = 3_600_000;

export interface QueuedMail extends ComposedMail {
  kind: string;
  to: string;
  userId?: string | null;
  /** Makes the message unique: a second message with the same key is not queued. */
  dedupeKey?: string;
}

/**
 * The outbox: messages are queued in the database by the work that causes
 * them and delivered in the background, so a slow or broken mail server
 * never blocks or fails a user's request, and queued mail survives a
 * restart. Several instances may deliver at once: each message is claimed
 * with one conditional UPDATE before it is sent, so it goes out once.
 */
export class Outbox {
  readonly #db: DataSource;
  readonly #logger: Logger;
  readonly #maxAttempts: number;

  constructor(db: DataSource, logger: Logger, maxAttempts: number) {
    this.#db = db;
    this.#logger = logger;
    this.#maxAttempts = maxAttempts;
  }

  /**
   * Queues a message, inside the caller's transaction when one is given.
   * Returns false when a message with the same dedupe key was queued before.
   */
  async enqueue(mail: QueuedMail, manager?: EntityManager): Promise<boolean> {
    const now = Date.now();
    const row: MailMessage = {
      id: randomUUID(),
      dedupeKey: mail.dedupeKey ?? null,
      kind: mail.kind,
      userId: mail.userId ?? null,
      recipient: mail.to,
      subject: mail.subject.slice(0, 255),
      textBody: mail.text,
      htmlBody: mail.html,
      createdAt: now,
      nextAttemptAt: now,
      attempts: 0,
      claimedUntil: null,
      sentAt: null,
      failedAt: null,
      lastError: null,
    };
    try {
      await (manager ?? this.#db.manager).insert(MailMessage, row);
    } catch (error) {
      if (mail.dedupeKey && isUniqueViolation(error)) return false;
      throw error;
    }
    this.#logger.info({ event: 'mail.queued', kind: mail.kind, mailId: row.id }, 'mail queued');
    return true;
  }

  /** Sends every message that is due; returns how many went out. */
  async deliverDue(transport: MailTransport, now = Date.now()): Promise<number> {
    const due = await this.#db.getRepository(MailMessage).find({
      where: { sentAt: IsNull(), failedAt: IsNull(), nextAttemptAt: LessThanOrEqual(now) },
      order: { nextAttemptAt: 'ASC' },
      take: 50,
    });
    let sent = 0;
    for (const message of due) {
      if (!(await this.#claim(message.id, now))) continue;
      try {
        await transport.send({
          id: message.id,
          to: message.recipient,
          subject: message.subject,
          text: message.textBody,
          html: message.htmlBody,
        });
      } catch (error) {
        await this.#failed(message, error);
        continue;
      }
      await this.#db
        .getRepository(MailMessage)
        .update({ id: message.id }, { sentAt: Date.now(), claimedUntil: null });
      this.#logger.info(
        { event: 'mail.sent', kind: message.kind, mailId: message.id },
        'mail sent',
      );
      sent++;
    }
    return sent;
  }

  /** Deletes sent and given-up messages older than `days`. */
  async purge(days: number): Promise<number> {
    const cutoff = Date.now() - days * 86_400_000;
    const result = await this.#db
      .createQueryBuilder()
      .delete()
      .from(MailMessage)
      .where(
        '(sent_at IS NOT NULL AND sent_at < :cutoff) OR (failed_at IS NOT NULL AND failed_at < :cutoff)',
        {
          cutoff,
        },
      )
      .execute();
    return result.affected ?? 0;
  }

  async #claim(id: string, now: number): Promise<boolean> {
    const result = await this.#db
      .createQueryBuilder()
      .update(MailMessage)
      .set({ claimedUntil: now + CLAIM_MS })
      .where('id = :id AND sent_at IS NULL AND failed_at IS NULL', { id })
      .andWhere('(claimed_until IS NULL OR claimed_until < :now)', { now })
      .execute();
    return result.affected === 1;
  }

  async #failed(message: MailMessage, error: unknown): Promise<void> {
    const attempts = message.attempts + 1;
    const giveUp = attempts >= this.#maxAttempts;
    const delay = Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), LAST_RETRY_MS);
    const reason = error instanceof Error ? error.message : String(error);
    await this.#db.getRepository(MailMessage).update(
      { id: message.id },
      {
        attempts,
        claimedUntil: null,
        nextAttemptAt: Date.now() + delay,
        failedAt: giveUp ? Date.now() : null,
        lastError: reason.slice(0, 255),
      },
    );
    const log = giveUp
      ? this.#logger.error.bind(this.#logger)
      : this.#logger.warn.bind(this.#logger);
    log(
      {
        event: giveUp ? 'mail.given_up' : 'mail.retry',
        kind: message.kind,
        mailId: message.id,
        attempts,
        reason,
      },
      giveUp ? 'mail given up' : 'mail delivery failed; will retry',
    );
  }
}
