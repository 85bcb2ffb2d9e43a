import { Command } from 'commander';

import { queueExpiryWarnings } from '../mail/expiry-warnings.js';
import type { WithApp } from './index.js';

export function mailCommands(withApp: WithApp): Command {
  const mail = new Command('mail').description("the provider's emails");

  mail
    .command('send-expiry-warnings')
    .description('queue the password-expiry warnings that are due, then deliver the outbox')
    .action(async () => {
      const [queued, sent] = await withApp(async ({ services }) => {
        const queued = await queueExpiryWarnings(services.db, services.expiry, services.notifier);
        return [queued, await services.outbox.deliverDue(services.mailTransport)] as const;
      });
      console.log(`${queued} warning(s) queued, ${sent} message(s) delivered`);
    });

  mail
    .command('deliver')
    .description('deliver the messages waiting in the outbox now')
    .action(async () => {
      const sent = await withApp(({ services }) =>
        services.outbox.deliverDue(services.mailTransport),
      );
      console.log(`${sent} message(s) delivered`);
    });

  return mail;
}
