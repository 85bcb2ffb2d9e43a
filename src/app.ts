import type { EventEmitter } from 'node:events';

import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { accountRouter } from './account/router.js';
import { Accounts } from './accounts/accounts.js';
import { Entitlements } from './accounts/entitlements.js';
import { PasswordExpiry } from './accounts/password-expiry.js';
import { PasswordHasher } from './accounts/password-hash.js';
import { PasswordPolicy } from './accounts/password-policy.js';
import { Passwords } from './accounts/passwords.js';
import { Registration } from './accounts/registration.js';
import { SecurityQuestions } from './accounts/security-questions.js';
import { AuditLog } from './audit/audit-log.js';
import { ConfigError } from './config/load.js';
import type { Config } from './config/schema.js';
import { createDataSource } from './db/data-source.js';
import { serializeSqlite } from './db/sqlite-serializer.js';
import { isDatabaseUnavailable } from './db/unavailable.js';
import { Catalogue } from './i18n/catalogue.js';
import { interactionRouter } from './interactions/router.js';
import { startScheduler } from './jobs/scheduler.js';
import { createLogger, type Logger } from './logger.js';
import { MailComposer } from './mail/composer.js';
import { Notifier } from './mail/notifier.js';
import { Outbox } from './mail/outbox.js';
import { createTransport } from './mail/transport.js';
import { Metrics, metricsEndpoint } from './metrics/metrics.js';
import { BackchannelLogout } from './oidc/backchannel-logout.js';
import { ClientStore } from './oidc/client-store.js';
import { startKeyReload } from './oidc/key-reload.js';
import { loadCookieKeys, loadSigningKeys, sharedSecret } from './oidc/keys.js';
import { createProvider } from './oidc/provider.js';
import { requestRowsScope } from './oidc/request-rows.js';
import { Recovery } from './recovery/recovery.js';
import { recoveryRouter } from './recovery/router.js';
import { AttemptCounters } from './security/attempt-counters.js';
import { RateLimiter, rateLimits } from './security/rate-limit.js';
import { SignInGuard } from './security/sign-in-guard.js';
import type { Services } from './services.js';
import { CsrfTokens } from './web/csrf.js';
import { errorHandler } from './web/error-handler.js';
import { providerPages, renderErrorPage } from './web/pages.js';
import { publicOrigin } from './web/public-origin.js';
import { Renderer } from './web/render.js';
import { securityHeaders } from './web/security-headers.js';
import { siteRouter } from './web/site-routes.js';
import { staticFiles } from './web/static-files.js';
import { answerUnavailable } from './web/unavailable.js';

export interface App {
  /** The Koa application to listen with: oidc-provider, with our routes in front of its own. */
  provider: Provider;
  services: Services;
  close(): Promise<void>;
}

/**
 * Builds the whole server from a validated configuration: database (with
 * migrations when enabled), keys, provider, views and routes. Start-up
 * work happens here once; request handling reuses it.
 */
export async function createApp(
  config: Config,
  logger: Logger = createLogger(config.log.level),
): Promise<App> {
  const db = await createDataSource(config);
  await db.initialize();
  if (db.options.type === 'better-sqlite3') serializeSqlite(db);
  try {
    if (config.database.migrateOnStart) await db.runMigrations({ transaction: 'each' });

    const [signingKeys, cookieKeys, csrfKey, recoverySecret] = await Promise.all([
      loadSigningKeys(db, config),
      loadCookieKeys(db, config),
      sharedSecret(db, 'csrf-key'),
      sharedSecret(db, 'recovery-key'),
    ]);
    const hasher = new PasswordHasher(config.passwordHash);
    const accounts = new Accounts(db, hasher);
    const passwords = new Passwords(db, hasher, new PasswordPolicy(config.passwordPolicy));
    const questions = new SecurityQuestions(
      db,
      hasher,
      config.securityQuestions.catalogue,
      config.securityQuestions.minAnswerLength,
    );
    const registration = new Registration(db, passwords, questions);
    const counters = new AttemptCounters(db);
    const recovery = new Recovery({
      db,
      config: config.recovery,
      accounts,
      questions,
      passwords,
      counters,
      secret: recoverySecret,
    });
    const signIn = new SignInGuard(accounts, hasher, counters, config.signIn);
    const catalogue = await Catalogue.load(config.languages.supported);
    const untranslated = catalogue.missing(
      config.securityQuestions.catalogue.map((id) => `questions.catalogue.${id}`),
    );
    if (untranslated.length > 0) {
      throw new ConfigError(
        `securityQuestions.catalogue: no text in every language for ${untranslated.join(', ')}`,
      );
    }
    const renderer = new Renderer(config, catalogue);
    const expiry = new PasswordExpiry(config.passwordExpiry);
    const entitlements = new Entitlements(db);
    const outbox = new Outbox(db, logger, config.mail.maxAttempts);
    const notifier = new Notifier(new MailComposer(config, catalogue), outbox, logger, config.mail);
    const provider = createProvider({
      config,
      db,
      accounts,
      registration,
      expiry,
      entitlements,
      signingKeys,
      cookieKeys,
      pages: providerPages(
        config,
        renderer,
        async (accountId) => (await accounts.findById(accountId))?.preferredLanguage,
      ),
    });
    await declareClients(config, new ClientStore(db, provider), logger);
    const backchannel = new BackchannelLogout(db, provider, logger);
    backchannel.install();
    const metrics = new Metrics(db);
    const services: Services = {
      config,
      logger,
      metrics,
      backchannel,
      db,
      hasher,
      expiry,
      entitlements,
      outbox,
      notifier,
      mailTransport: createTransport(config, logger),
      accounts,
      audit: new AuditLog(db, logger, metrics),
      passwords,
      questions,
      registration,
      recovery,
      signIn,
      rateLimiter: new RateLimiter(db, config.rateLimit.windowSeconds),
      renderer,
      csrf: new CsrfTokens(csrfKey),
      provider,
    };

    provider.use(errorHandler(services));
    provider.use(requestRowsScope());
    provider.use(publicOrigin(config));
    provider.use(securityHeaders(config));
    if (config.metrics.enabled) provider.use(metricsEndpoint(metrics, config.metrics.token));
    provider.use(
      rateLimits(
        services.rateLimiter,
        config.rateLimit,
        (ctx) => renderErrorPage(ctx, services, 429),
        (scope) => metrics.rateLimited(scope),
      ),
    );
    provider.use(staticFiles());
    provider.use(siteRouter(services).routes());
    provider.use(interactionRouter(services).routes());
    provider.use(recoveryRouter(services).routes());
    provider.use(accountRouter(services).routes());
    observeProvider(services);

    const scheduler = startScheduler(services);
    const keyReload = startKeyReload(provider, db, config, logger, signingKeys);
    return {
      provider,
      services,
      async close() {
        keyReload.stop();
        await scheduler.stop();
        services.mailTransport.close();
        await db.destroy();
      },
    };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

/** Creates or updates the products the configuration declares: the file wins. */
async function declareClients(config: Config, store: ClientStore, logger: Logger): Promise<void> {
  for (const client of config.clients) {
    const outcome = await store.declare({
      id: client.id,
      secret: client.secret,
      isPublic: client.public,
      redirectUris: client.redirectUris,
      postLogoutRedirectUris: client.postLogoutRedirectUris,
      name: client.name,
      description: client.description,
      clientUri: client.startUrl,
      logoUri: client.logoUri,
      firstParty: client.firstParty,
      openToAll: client.openToAll,
      backchannelLogoutUri: client.backchannelLogoutUri,
      backchannelLogoutSessionRequired: client.backchannelLogoutSessionRequired,
      accessTokenTtl: client.accessTokenTtl,
      refreshTokenTtl: client.refreshTokenTtl,
      idTokenSigningAlg: client.idTokenSigningAlg,
    });
    logger.info(
      { event: 'client.declared', client: client.id, outcome },
      'client from the configuration',
    );
  }
}

/**
 * Logs the provider's events (never a token: only the facts around it),
 * counts tokens issued, records sign-outs in the audit trail, and turns a
 * database outage inside a protocol endpoint into the spec's 503 answer.
 */
function observeProvider(services: Services): void {
  const { provider, logger, metrics, audit } = services;

  provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
    if (!isDatabaseUnavailable(error)) {
      logger.error({ err: error, event: 'server_error' }, 'provider server_error');
      return;
    }
    metrics.databaseUnavailable();
    logger.warn({ err: error, event: 'server_error', path: ctx.path }, 'database unavailable');
    // Pages were already rendered as 503 by renderError; JSON answers are rewritten here.
    if (ctx.status !== 503) answerUnavailable(ctx);
  });

  const protocolError = (event: string) => (_ctx: unknown, error: Error) => {
    const { error: code, error_description: description } = error as {
      error?: string;
      error_description?: string;
    };
    logger.info({ event, error: code, description }, 'protocol error');
  };
  for (const event of [
    'authorization.error',
    'grant.error',
    'end_session.error',
    'introspection.error',
    'revocation.error',
    'userinfo.error',
    'check_session_origin.error',
    'jwks.error',
    'discovery.error',
  ] as const) {
    (provider as unknown as EventEmitter).on(event, protocolError(event));
  }

  const clientOf = (ctx: KoaContextWithOIDC) => ctx.oidc?.client?.clientId;
  provider.on('authorization.success', (ctx: KoaContextWithOIDC) =>
    logger.info({ event: 'authorization.success', client: clientOf(ctx) }, 'authorization'),
  );
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const grantType = String(ctx.oidc.params?.grant_type ?? 'unknown');
    metrics.tokenIssued(grantType);
    logger.info({ event: 'grant.success', grantType, client: clientOf(ctx) }, 'token issued');
  });
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) =>
    logger.info({ event: 'grant.revoked', grantId, client: clientOf(ctx) }, 'grant revoked'),
  );
  provider.on('interaction.started', (ctx: KoaContextWithOIDC, prompt: { name: string }) =>
    logger.debug(
      { event: 'interaction.started', prompt: prompt.name, client: clientOf(ctx) },
      'interaction started',
    ),
  );
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const userId = ctx.oidc.session?.accountId;
    audit
      .record({ type: 'logout', outcome: 'success', userId, clientId: clientOf(ctx) }, ctx)
      .catch(() => undefined);
  });
}
