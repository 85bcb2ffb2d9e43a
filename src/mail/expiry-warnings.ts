import type { DataSource } from 'typeorm';
import { IsNull, LessThanOrEqual, Not } from 'typeorm';

import type { PasswordExpiry } from '../accounts/password-expiry.js';
import { User } from '../db/entities/user.js';
import type { Notifier } from './notifier.js';

const DAY_MS = 86_400_000;

/**
 * Queues the password-expiry warnings that are due. Each warning is one
 * outbox row with a unique key (user, expiry time, threshold), so however
 * many instances or cron jobs run this at once, a user gets each warning
 * once; a password changed meanwhile has a new expiry time and starts over.
 * When several thresholds have passed unseen (expiry just turned on), only
 * the most urgent goes out. Returns how many were queued.
 */
export async function queueExpiryWarnings(
  db: DataSource,
  expiry: PasswordExpiry,
  notifier: Notifier,
  now = Date.now(),
): Promise<number> {
  const horizon = expiry.warningHorizon(now);
  if (!horizon) return 0;
  const candidates = await db.getRepository(User).find({
    where: {
      status: 'active',
      mustChangePassword: false,
      passwordExpired: false,
      email: Not(IsNull()),
      passwordChangedAt: LessThanOrEqual(horizon),
    },
  });
  let queued = 0;
  for (const user of candidates) {
    const expiresAt = expiry.expiresAt(user);
    if (!expiresAt) continue;
    const threshold = expiry.warningDue(expiresAt, now);
    if (threshold === undefined) continue;
    const days = Math.ceil((expiresAt.getTime() - now) / DAY_MS);
    const sent = await notifier.send(
      'passwordExpiring',
      user,
      { days, date: notifier.formatDate(user, expiresAt) },
      { dedupeKey: `password-expiring:${user.id}:${expiresAt.getTime()}:${threshold}` },
    );
    if (sent) queued++;
  }
  return queued;
}
