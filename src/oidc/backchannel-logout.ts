import { randomUUID } from 'node:crypto';

import type Provider from 'oidc-provider';
import type { DataSource } from 'typeorm';

import { LogoutDelivery } from '../db/entities/logout-delivery.js';
import { RetryQueue } from '../jobs/retry-queue.js';
import type { Logger } from '../logger.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** How long one delivery attempt may wait for the product. */
const ATTEMPT_TIMEOUT_MS = 3000;

interface LogoutTokenBuilder {
  mask: Record<string, null>;
  set(name: string, value: unknown): void;
  issue(options: { use: 'logout' }): Promise<string>;
}
type IdTokenClass = new (
  claims: { sub: string },
  options: { client: unknown; ctx: undefined },
) => LogoutTokenBuilder;

interface LogoutClient {
  clientId: string;
  backchannelLogoutUri?: string;
  backchannelLogoutSessionRequired?: boolean;
}

/**
 * Back-Channel Logout 1.0 with retries. Whatever ends a session (the user
 * signing out at one product, a password change or recovery ending the
 * other sessions, an operator disabling the user) queues one delivery per
 * product of the session (LogoutDelivery). A delivery is tried at once when
 * the session ends at the provider, and retried in the background (5
 * seconds, doubling, up to 10 minutes) until the product answers 200/204 or
 * the attempts run out. The signed logout token names the user (`sub`) and,
 * when the product asks for it, the session (`sid`).
 */
export class BackchannelLogout {
  readonly #db: DataSource;
  readonly #provider: Provider;
  readonly #logger: Logger;
  readonly #queue: RetryQueue<LogoutDelivery>;

  constructor(db: DataSource, provider: Provider, logger: Logger) {
    this.#db = db;
    this.#provider = provider;
    this.#logger = logger;
    this.#queue = new RetryQueue(db, LogoutDelivery, logger, {
      maxAttempts: 10,
      firstRetryMs: 5000,
      lastRetryMs: 600_000,
    });
  }

  /**
   * Routes oidc-provider's own back-channel logout (at the end of an
   * RP-initiated logout) through the queue, so a product that is down gets
   * the token later instead of never.
   */
  install(): void {
    const queueAndSend = (client: LogoutClient, sub: string, sid: string) =>
      this.queueAndSend(client.clientId, sub, sid);
    this.#provider.Client.prototype.backchannelLogout = async function (
      this: LogoutClient,
      sub: string,
      sid: string,
    ) {
      await queueAndSend(this, sub, sid);
    };
  }

  /** Queues one delivery and tries it at once (bounded by a short timeout). */
  async queueAndSend(clientId: string, accountId: string, sid: string): Promise<void> {
    const now = Date.now();
    const delivery: LogoutDelivery = {
      id: randomUUID(),
      clientId,
      accountId,
      sid,
      createdAt: now,
      nextAttemptAt: now,
      attempts: 0,
      claimedUntil: null,
      sentAt: null,
      failedAt: null,
      lastError: null,
    };
    await this.#db.getRepository(LogoutDelivery).insert(delivery);
    await this.#queue.workOne(delivery, (d) => this.#deliver(d), describe, now);
  }

  /** Sends what is due (new and retried deliveries); returns how many arrived. */
  deliverDue(now = Date.now()): Promise<number> {
    return this.#queue.workDue((d) => this.#deliver(d), describe, now);
  }

  purge(days: number): Promise<number> {
    return this.#queue.purge(days);
  }

  async #deliver(delivery: LogoutDelivery): Promise<void> {
    const client = (await this.#provider.Client.find(delivery.clientId)) as
      | (LogoutClient & object)
      | undefined;
    // A product without a back-channel endpoint has nothing to be told.
    if (!client?.backchannelLogoutUri) return;

    const IdToken = (this.#provider as unknown as { IdToken: IdTokenClass }).IdToken;
    const token = new IdToken({ sub: delivery.accountId }, { client, ctx: undefined });
    token.mask = { sub: null };
    token.set('events', { [EVENT]: {} });
    token.set('jti', randomUUID());
    if (client.backchannelLogoutSessionRequired) token.set('sid', delivery.sid);
    const logoutToken = await token.issue({ use: 'logout' });

    const response = await fetch(client.backchannelLogoutUri, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: logoutToken }),
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    if (response.status !== 200 && response.status !== 204) {
      throw new Error(`the product answered ${response.status}`);
    }
    this.#logger.info(
      { event: 'backchannel.delivered', client: delivery.clientId, sub: delivery.accountId },
      'back-channel logout delivered',
    );
  }
}

function describe(delivery: LogoutDelivery): Record<string, unknown> {
  return { event: 'backchannel.delivery', client: delivery.clientId, sub: delivery.accountId };
}
