import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import nodemailer from 'nodemailer';

import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';

export interface OutgoingMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Hands one message on; throws when it could not. */
export interface MailTransport {
  send(message: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * SMTP through nodemailer when `mail.smtpUrl` is set. Without it, each
 * message is written as an .eml file into `<dataDir>/mail/` and its path
 * logged: nothing leaves the machine by accident, and a developer can open
 * the file in any mail program.
 */
export function createTransport(config: Config, logger: Logger): MailTransport {
  const headers = (message: OutgoingMail) => ({
    from: config.mail.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: `<${message.id}@${new URL(config.issuer).hostname}>`,
  });

  if (config.mail.smtpUrl) {
    const smtp = nodemailer.createTransport(config.mail.smtpUrl);
    return {
      async send(message) {
        await smtp.sendMail(headers(message));
      },
      close: () => smtp.close(),
    };
  }

  const folder = resolve(config.dataDir, 'mail');
  const files = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    async send(message) {
      const info = await files.sendMail(headers(message));
      mkdirSync(folder, { recursive: true });
      const file = join(folder, `${Date.now()}-${message.id}.eml`);
      writeFileSync(file, info.message as Buffer);
      logger.info({ event: 'mail.written', file }, 'mail written to a file (no SMTP configured)');
    },
    close: () => files.close(),
  };
}
