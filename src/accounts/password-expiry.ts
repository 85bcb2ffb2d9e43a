import type { Config } from '../config/schema.js';
import type { User } from '../db/entities/user.js';

const DAY_MS = 86_400_000;

/**
 * When passwords expire: `maxAgeDays` after they were set (0: never), or at
 * once when an operator said so. A temporary password is not "expired": it
 * has its own step (replace it at the first sign-in).
 */
export class PasswordExpiry {
  readonly maxAgeDays: number;
  readonly warningDays: readonly number[];

  constructor(config: Config['passwordExpiry']) {
    this.maxAgeDays = config.maxAgeDays;
    this.warningDays = [...config.warningDays].sort((a, b) => a - b);
  }

  /** When the user's password expires; null when it never does. */
  expiresAt(user: Pick<User, 'passwordChangedAt' | 'passwordExpired'>): Date | null {
    if (user.passwordExpired)
      return new Date(Math.min(Date.now(), user.passwordChangedAt.getTime()));
    if (this.maxAgeDays === 0) return null;
    return new Date(user.passwordChangedAt.getTime() + this.maxAgeDays * DAY_MS);
  }

  isExpired(
    user: Pick<User, 'passwordChangedAt' | 'passwordExpired' | 'mustChangePassword'>,
    now = Date.now(),
  ): boolean {
    if (user.mustChangePassword) return false;
    const expiresAt = this.expiresAt(user);
    return expiresAt !== null && expiresAt.getTime() <= now;
  }

  /**
   * The warning due for a password expiring at `expiresAt`: the smallest
   * threshold (in days) it is within, or undefined when none is reached yet
   * or it has expired already.
   */
  warningDue(expiresAt: Date, now = Date.now()): number | undefined {
    const left = expiresAt.getTime() - now;
    if (left <= 0) return undefined;
    return this.warningDays.find((days) => left <= days * DAY_MS);
  }

  /** The oldest a password may have been set and still need a warning today. */
  warningHorizon(now = Date.now()): Date | null {
    if (this.maxAgeDays === 0 || this.warningDays.length === 0) return null;
    const longest = Math.max(...this.warningDays);
    return new Date(now - (this.maxAgeDays - longest) * DAY_MS);
  }
}
