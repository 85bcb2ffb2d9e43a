import { InitialSchema1796313600000 } from './1796313600000-initial-schema.js';
import { Registration1796320800000 } from './1796320800000-registration.js';
import { Recovery1796328000000 } from './1796328000000-recovery.js';
import { LoginLockout1796335200000 } from './1796335200000-login-lockout.js';

/** Every migration, oldest first. A new migration is added here and nowhere else. */
export const migrations = [
  InitialSchema1796313600000,
  Registration1796320800000,
  Recovery1796328000000,
  LoginLockout1796335200000,
];
