import cluster from 'node:cluster';
import type { Server } from 'node:http';

import { createApp } from './app.js';
import { isFirstWorker, superviseWorkers } from './cluster.js';
import { ConfigError, loadConfig, usesInsecureIssuer } from './config/load.js';
import type { Config } from './config/schema.js';
import { describeDatabase } from './db/data-source.js';
import { seedDemo } from './demo/seed.js';
import { createLogger, type Logger } from './logger.js';

/** Settings that work but are probably not what the operator meant. */
function warnAboutSettings(config: Config, logger: Logger): void {
  if (usesInsecureIssuer(config)) {
    logger.warn(
      { issuer: config.issuer },
      'the issuer is plain http: acceptable on a developer machine only',
    );
  }
  const issuer = new URL(config.issuer);
  const issuerPort = Number(issuer.port || (issuer.protocol === 'https:' ? 443 : 80));
  if (!config.trustProxy && issuer.protocol === 'https:') {
    logger.warn(
      { issuer: config.issuer },
      'an https issuer needs a TLS proxy in front: set TRUST_PROXY=true so cookies are Secure',
    );
  }
  if (!config.trustProxy && issuerPort !== config.port) {
    logger.warn(
      { issuer: config.issuer, port: config.port },
      'the issuer names another port than the server listens on: set ISSUER together with PORT',
    );
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return process.exit(78);
  }

  const logger = createLogger(config.log.level);
  if (cluster.isPrimary) warnAboutSettings(config, logger);
  if (cluster.isPrimary && config.workers > 1) return superviseWorkers(config, logger);

  const app = await createApp(config, logger);
  const server: Server = app.provider.listen(config.port);
  server.once('error', (error: NodeJS.ErrnoException) => {
    const reason =
      error.code === 'EADDRINUSE' ? `port ${config.port} is already in use (PORT)` : error.message;
    process.stderr.write(`cannot listen: ${reason}\n`);
    app.close().finally(() => process.exit(1));
  });
  server.once('listening', async () => {
    const db = describeDatabase(config);
    logger.info(
      { issuer: config.issuer, port: config.port, database: db.kind, location: db.location },
      'listening',
    );
    if (config.env === 'development' && isFirstWorker()) {
      await seedDemo(app.services, (line) => process.stdout.write(`${line}\n`));
    }
  });

  // Stop accepting, let the requests in flight finish (idle keep-alive
  // connections are closed at once), then close the database pool. A request
  // that takes longer than the grace period is cut off.
  // Idempotent: under a supervisor (WORKERS > 1) a terminal's Ctrl-C reaches
  // the worker twice, directly and passed on.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      app
        .close()
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'closing the database failed');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
    setTimeout(() => {
      logger.error('requests still running after 10 s: exiting anyway');
      process.exit(1);
    }, 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `start-up failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
