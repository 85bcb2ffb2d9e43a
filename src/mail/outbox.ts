import { randomUUID } from 'node:crypto';

import type { DataSource, EntityManager } from 'typeorm';

import { MailMessage } from '../db/entities/mail-message.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { RetryQueue } from '../jobs/retry-queue.js';
import type { Logger } from '../logger.js';
import type { ComposedMail } from './composer.js';
import type { MailTransport } from './transport.js';

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
 * restart. Several instances may deliver at once (see RetryQueue): each
 * message goes out once.
 */
export class Outbox {
  readonly #db: DataSource;
  readonly #logger: Logger;
  readonly #queue: RetryQueue<MailMessage>;

  constructor(db: DataSource, logger: Logger, maxAttempts: number) {
    this.#db = db;
    this.#logger = logger;
    this.#queue = new RetryQueue(db, MailMessage, logger, {
      maxAttempts,
      firstRetryMs: 30_000,
      lastRetryMs: 3_600_000,
    });
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
  deliverDue(transport: MailTransport, now = Date.now()): Promise<number> {
    return this.#queue.workDue(
      async (message) => {
        await transport.send({
          id: message.id,
          to: message.recipient,
          subject: message.subject,
          text: message.textBody,
          html: message.htmlBody,
        });
        this.#logger.info(
          { event: 'mail.sent', kind: message.kind, mailId: message.id },
          'mail sent',
        );
      },
      (message) => ({ event: 'mail.delivery', kind: message.kind, mailId: message.id }),
      now,
    );
  }

  /** Deletes sent and given-up messages older than `days`. */
  purge(days: number): Promise<number> {
    return this.#queue.purge(days);
  }
}
