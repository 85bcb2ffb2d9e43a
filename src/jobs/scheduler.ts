import { queueExpiryWarnings } from '../mail/expiry-warnings.js';
import { purgeExpired } from '../oidc/adapter.js';
import type { Services } from '../services.js';
import { JobLeases } from './job-lease.js';

export interface Scheduler {
  stop(): Promise<void>;
}

/**
 * The periodic background jobs of an instance: purging expired state,
 * delivering mail and back-channel logouts, queueing password-expiry
 * warnings. Each tick first takes the job's lease (JobLeases), so with any
 * number of instances on one database each job runs on one of them at a
 * time; the work itself is also safe to repeat (claims, unique keys). A job
 * with an interval of 0 does not run in the background.
 */
export function startScheduler(services: Services): Scheduler {
  const { config, db, logger, recovery, rateLimiter, audit, outbox, backchannel } = services;
  const leases = new JobLeases(db);
  const timers: NodeJS.Timeout[] = [];
  const held = new Set<string>();

  const every = (name: string, seconds: number, job: () => Promise<unknown>) => {
    if (seconds === 0) return;
    let running = false;
    const tick = async () => {
      // The lease outlives one interval, so its holder keeps it from tick to tick.
      if (!(await leases.acquire(name, seconds * 2000 + 1000))) return;
      held.add(name);
      const result = await job();
      logger.debug({ event: 'job', job: name, result }, 'background job ran');
    };
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      tick()
        .catch((error: unknown) => logger.warn({ err: error, job: name }, 'background job failed'))
        .finally(() => {
          running = false;
        });
    }, seconds * 1000);
    timer.unref();
    timers.push(timer);
  };

  const retention = config.audit.retentionDays;
  every('purge', config.database.purgeIntervalSeconds, async () => ({
    tokens: await purgeExpired(db),
    recoveries: await recovery.purgeExpired(),
    windows: await rateLimiter.purge(),
    events: await audit.purge(retention),
    mails: await outbox.purge(retention),
    logouts: await backchannel.purge(retention),
  }));
  every('mail', config.mail.deliveryIntervalSeconds, () =>
    outbox.deliverDue(services.mailTransport),
  );
  every('backchannel', config.backchannel.deliveryIntervalSeconds, () => backchannel.deliverDue());
  every('expiry-warnings', config.passwordExpiry.checkIntervalSeconds, () =>
    queueExpiryWarnings(db, services.expiry, services.notifier),
  );

  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all([...held].map((name) => leases.release(name).catch(() => undefined)));
    },
  };
}
