import type Provider from 'oidc-provider';
// oidc-provider builds its keystore once, at construction; this is the same
// routine, run again on the live instance with the keys read anew.
import initializeKeyStore from 'oidc-provider/lib/helpers/initialize_keystore.js';
import type { DataSource } from 'typeorm';

import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { type PrivateJwk, readSigningKeys } from './keys.js';

/**
 * Rereads the signing keys every `keys.reloadIntervalSeconds`, so that a
 * key rotated on one instance (`idp keys rotate`) is published by every
 * instance within one interval and used for signing after two, without a
 * restart. Keys from a JWKS file are not reloaded.
 */
export function startKeyReload(
  provider: Provider,
  db: DataSource,
  config: Config,
  logger: Logger,
  initial: PrivateJwk[],
): { stop(): void } {
  const seconds = config.keys.reloadIntervalSeconds;
  if (seconds === 0 || config.keys.signingKeysFile) return { stop() {} };
  const order = (keys: PrivateJwk[]) => keys.map((key) => key.kid).join(' ');
  let current = order(initial);
  const timer = setInterval(() => {
    readSigningKeys(db, seconds)
      .then((keys) => {
        const next = order(keys);
        if (next === current) return;
        initializeKeyStore.call(provider, { keys });
        current = next;
        logger.info({ event: 'keys.reloaded', kids: next }, 'signing keys reloaded');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'reloading the signing keys failed'));
  }, seconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
