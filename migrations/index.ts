import { InitialSchema1796313600000 } from './1796313600000-initial-schema.js';
import { Registration1796320800000 } from './1796320800000-registration.js';
import { Recovery1796328000000 } from './1796328000000-recovery.js';
import { LoginLockout1796335200000 } from './1796335200000-login-lockout.js';
import { BinaryKeysOnMysql1796342400000 } from './1796342400000-binary-keys-on-mysql.js';
import { AuditEvents1796346000000 } from './1796346000000-audit-events.js';
import { RateWindows1796349600000 } from './1796349600000-rate-windows.js';
import { PasswordExpiryAndMail1796353200000 } from './1796353200000-password-expiry-and-mail.js';
import { EntitlementsAndLogout1796356800000 } from './1796356800000-entitlements-and-logout.js';
import { JobLeases1796360400000 } from './1796360400000-job-leases.js';

/**
 * Every migration, oldest first. A new migration is added here and nowhere
 * else. On MySQL/MariaDB a new table must compare its keys byte for byte:
 * end its migration with `ALTER TABLE ... CONVERT TO CHARACTER SET utf8mb4
 * COLLATE utf8mb4_bin`, as 1796342400000-binary-keys-on-mysql does.
 */
export const migrations = [
  InitialSchema1796313600000,
  Registration1796320800000,
  Recovery1796328000000,
  LoginLockout1796335200000,
  BinaryKeysOnMysql1796342400000,
  AuditEvents1796346000000,
  RateWindows1796349600000,
  PasswordExpiryAndMail1796353200000,
  EntitlementsAndLogout1796356800000,
  JobLeases1796360400000,
];
