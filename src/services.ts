import type Provider from 'oidc-provider';
import type { DataSource } from 'typeorm';

import type { Accounts } from './accounts/accounts.js';
import type { Entitlements } from './accounts/entitlements.js';
import type { PasswordExpiry } from './accounts/password-expiry.js';
import type { PasswordHasher } from './accounts/password-hash.js';
import type { Passwords } from './accounts/passwords.js';
import type { Registration } from './accounts/registration.js';
import type { SecurityQuestions } from './accounts/security-questions.js';
import type { AuditLog } from './audit/audit-log.js';
import type { Config } from './config/schema.js';
import type { Logger } from './logger.js';
import type { Notifier } from './mail/notifier.js';
import type { Outbox } from './mail/outbox.js';
import type { MailTransport } from './mail/transport.js';
import type { Metrics } from './metrics/metrics.js';
import type { BackchannelLogout } from './oidc/backchannel-logout.js';
import type { Recovery } from './recovery/recovery.js';
import type { RateLimiter } from './security/rate-limit.js';
import type { SignInGuard } from './security/sign-in-guard.js';
import type { CsrfTokens } from './web/csrf.js';
import type { Renderer } from './web/render.js';

/** What request handlers need, built once at start-up by createApp(). */
export interface Services {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  backchannel: BackchannelLogout;
  db: DataSource;
  hasher: PasswordHasher;
  expiry: PasswordExpiry;
  entitlements: Entitlements;
  outbox: Outbox;
  notifier: Notifier;
  mailTransport: MailTransport;
  accounts: Accounts;
  audit: AuditLog;
  passwords: Passwords;
  questions: SecurityQuestions;
  registration: Registration;
  recovery: Recovery;
  signIn: SignInGuard;
  rateLimiter: RateLimiter;
  renderer: Renderer;
  csrf: CsrfTokens;
  provider: Provider;
}
