import { Command, CommanderError } from 'commander';

import { type App, createApp } from '../app.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { createDataSource } from '../db/data-source.js';
import { AppError } from '../errors.js';
import { createLogger } from '../logger.js';
import { auditCommands } from './audit.js';
import { clientCommands } from './clients.js';
import { keyCommands } from './keys.js';
import { mailCommands } from './mail.js';
import { userCommands } from './users.js';

/**
 * Runs `fn` against the provider built from the same configuration as the server, then closes
 * it.
 */
export type WithApp = <T>(fn: (app: App) => Promise<T>) => Promise<T>;

const withApp: WithApp = async (fn) => {
  const config = loadConfig();
  const app = await createApp(
    config,
    createLogger(config.log.level === 'silent' ? 'silent' : 'warn'),
  );
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
};

function dbCommands(): Command {
  const db = new Command('db').description('database schema');
  db.command('migrate')
    .description('apply pending migrations')
    .action(async () => {
      const source = await createDataSource(loadConfig());
      await source.initialize();
      try {
        const applied = await source.runMigrations({ transaction: 'each' });
        console.log(
          applied.length
            ? applied.map((m) => `applied ${m.name}`).join('\n')
            : 'schema is up to date',
        );
      } finally {
        await source.destroy();
      }
    });
  db.command('revert')
    .description('undo the most recent migration')
    .action(async () => {
      const source = await createDataSource(loadConfig());
      await source.initialize();
      try {
        await source.undoLastMigration({ transaction: 'each' });
        console.log('reverted the most recent migration');
      } finally {
        await source.destroy();
      }
    });
  return db;
}

const program = new Command('idp')
  .description('operate the identity provider: clients, users, keys, audit trail, mail, database')
  .exitOverride()
  .addCommand(clientCommands(withApp))
  .addCommand(userCommands(withApp))
  .addCommand(keyCommands(withApp))
  .addCommand(auditCommands(withApp))
  .addCommand(mailCommands(withApp))
  .addCommand(dbCommands());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode || 0);
  const known = error instanceof AppError || error instanceof ConfigError;
  console.error(
    `idp: ${known ? (error as Error).message : String((error as Error)?.stack ?? error)}`,
  );
  process.exit(1);
}
