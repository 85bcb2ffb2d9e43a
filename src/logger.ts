import { AsyncLocalStorage } from 'node:async_hooks';

import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Field paths that may hold secrets. Log events never put passwords, answers,
 * tokens or cookies in a field on purpose; this list is the second line.
 */
const REDACT = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'client_secret',
  '*.client_secret',
  'token',
  '*.token',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

export type { Logger };

/** Fields every log line written while handling one request carries (its request id). */
const requestFields = new AsyncLocalStorage<Record<string, string>>();

/** Runs `fn` with `fields` added to every log line written inside it, however deep. */
export function withLogFields<T>(fields: Record<string, string>, fn: () => T): T {
  return requestFields.run(fields, fn);
}

/** A JSON logger at `level`, to standard output unless another destination is given. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: undefined,
    mixin: () => requestFields.getStore() ?? {},
  };
  return destination ? pino(options, destination) : pino(options);
}
