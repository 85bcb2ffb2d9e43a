import { z } from 'zod';

const seconds = z.number().int().positive();

const databaseUrl = z
  .string()
  .refine(
    (value) => /^(mysql|mariadb):\/\/[^/]+\/[^/?]+/.test(value) || value.startsWith('sqlite:'),
    {
      message: 'expected mysql://user:pass@host:port/database or sqlite:PATH',
    },
  )
  .nullable();

const language = z.string().regex(/^[a-z]{2,3}$/, 'expected a two- or three-letter language code');

const httpUrl = z.url({ protocol: /^https?$/ });

/** A product declared in the configuration: created or brought in line at every start. */
const declaredClient = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._~-]{1,100}$/, 'expected 1 to 100 letters, digits or . _ ~ -'),
  /** At least 32 characters; omitted for a public client or to keep the stored one. */
  secret: z.string().min(32, 'a client secret needs at least 32 characters').optional(),
  public: z.boolean().default(false),
  redirectUris: z.array(httpUrl).min(1),
  postLogoutRedirectUris: z.array(httpUrl).default([]),
  name: z.string().min(1).max(100).optional(),
  description: z.record(language, z.string().max(200)).optional(),
  startUrl: httpUrl.optional(),
  logoUri: httpUrl.optional(),
  firstParty: z.boolean().default(false),
  openToAll: z.boolean().default(false),
  backchannelLogoutUri: httpUrl.optional(),
  backchannelLogoutSessionRequired: z.boolean().optional(),
  accessTokenTtl: z.number().int().min(60).optional(),
  refreshTokenTtl: z.number().int().min(60).optional(),
  /** How the product's ID tokens are signed (the provider holds keys for both). */
  idTokenSigningAlg: z.enum(['RS256', 'ES256']).optional(),
});

export type DeclaredClient = z.infer<typeof declaredClient>;

export const configSchema = z.strictObject({
  env: z.enum(['development', 'test', 'production']),
  issuer: z.url({ protocol: /^https?$/ }).refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return !url.search && !url.hash && !value.endsWith('/');
  }, 'expected an http(s) URL without query, fragment or trailing slash'),
  port: z.number().int().min(0).max(65535),
  dataDir: z.string().min(1),
  trustProxy: z.boolean(),
  workers: z.number().int().min(1).max(64),
  database: z.strictObject({
    url: databaseUrl,
    migrateOnStart: z.boolean(),
    poolSize: z.number().int().min(1).max(500),
    purgeIntervalSeconds: z.number().int().min(0),
  }),
  passwordHash: z.strictObject({
    logN: z.number().int().min(10).max(20),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
  }),
  passwordPolicy: z
    .strictObject({
      minLength: z.number().int().min(8).max(256),
      maxLength: z.number().int().min(16).max(1024),
      historySize: z.number().int().min(0).max(24),
      minStrength: z.number().int().min(0).max(4),
      requireLowercase: z.boolean(),
      requireUppercase: z.boolean(),
      requireDigit: z.boolean(),
      requireSymbol: z.boolean(),
    })
    .refine((p) => p.minLength <= p.maxLength, {
      message: 'minLength must not exceed maxLength',
      path: ['minLength'],
    }),
  securityQuestions: z.strictObject({
    catalogue: z
      .array(z.string().regex(/^[a-z0-9-]{1,64}$/))
      .min(3)
      .refine((ids) => new Set(ids).size === ids.length, 'question ids must be unique'),
    minAnswerLength: z.number().int().min(1).max(64),
  }),
  signIn: z.strictObject({
    maxFailures: z.number().int().min(1).max(100),
    lockSeconds: seconds,
    maxLockSeconds: seconds,
  }),
  rateLimit: z.strictObject({
    windowSeconds: z.number().int().min(1).max(3600),
    signIn: z.number().int().min(0),
    recovery: z.number().int().min(0),
    token: z.number().int().min(0),
  }),
  recovery: z.strictObject({
    stateTtlSeconds: z.number().int().min(60).max(86400),
    maxFailures: z.number().int().min(1).max(20),
    lockSeconds: seconds,
    maxFailuresPerIp: z.number().int().min(1).max(10000),
    ipLockSeconds: seconds,
  }),
  registration: z.strictObject({
    englishOnlyProducts: z.array(z.string().min(1)),
  }),
  profile: z.strictObject({
    /**
     * How recent a sign-in must be to change the email address or the
     * security questions without typing the current password.
     */
    recentSignInSeconds: z.number().int().min(0).max(86400),
  }),
  passwordExpiry: z.strictObject({
    /** Days a password is valid; 0 turns expiry off. */
    maxAgeDays: z.number().int().min(0).max(3650),
    /** Days before expiry at which a warning email goes out, each once. */
    warningDays: z.array(z.number().int().min(1).max(365)).max(10),
    /** How often the server looks for users to warn (0: only `idp mail send-expiry-warnings`). */
    checkIntervalSeconds: z.number().int().min(0),
  }),
  backchannel: z.strictObject({
    /** How often queued back-channel logouts are sent or retried (0: never in the background). */
    deliveryIntervalSeconds: z.number().int().min(0),
  }),
  mail: z.strictObject({
    /** The sender of every message, e.g. `Example Credit <no-reply@example.com>`. */
    from: z.string().min(3),
    /** smtp://user:pass@host:587 (STARTTLS if offered) or smtps://…:465; null: .eml files. */
    smtpUrl: z
      .string()
      .regex(/^smtps?:\/\/[^/]+/, 'expected smtp://host:port or smtps://host:port')
      .nullable(),
    /** How often queued messages are delivered or retried. */
    deliveryIntervalSeconds: z.number().int().min(0),
    /** Delivery attempts before a message is given up (and logged as failed). */
    maxAttempts: z.number().int().min(1).max(100),
    /** The time zone dates in messages are written in (IANA name). */
    timeZone: z.string().refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'expected an IANA time zone such as Europe/Copenhagen'),
  }),
  keys: z.strictObject({
    signingKeysFile: z.string().min(1).nullable(),
    cookieKeys: z.array(z.string().min(32, 'each cookie key needs at least 32 characters')),
    /**
     * How often each instance rereads the signing keys from the database
     * (0: only at start). A new key is published at once and signs only
     * after two intervals, when every instance publishes it.
     */
    reloadIntervalSeconds: z.number().int().min(0).max(86400),
  }),
  ttl: z.strictObject({
    accessToken: seconds,
    clientCredentials: seconds,
    idToken: seconds,
    authorizationCode: seconds,
    refreshToken: seconds,
    /** A sign-in session's absolute lifetime, from the sign-in. */
    session: seconds,
    /** A session unused this long (no product asked the provider) ends. */
    sessionIdle: seconds,
    interaction: seconds,
    grant: seconds,
  }),
  languages: z
    .strictObject({ supported: z.array(language).min(1), default: language })
    .refine((l) => l.supported.includes(l.default), {
      message: 'the default language must be one of the supported languages',
      path: ['default'],
    }),
  brand: z.strictObject({
    name: z.string().min(1),
    tagline: z.string(),
    contactUrl: z.url(),
    supportUrl: z.url(),
    supportPhone: z.string(),
  }),
  audit: z.strictObject({
    retentionDays: z.number().int().min(1).max(3650),
  }),
  /** Products declared here win over the database at every start (see ClientStore.declare). */
  clients: z.array(declaredClient),
  metrics: z.strictObject({
    enabled: z.boolean(),
    /** When set, /metrics answers only requests with `Authorization: Bearer <token>`. */
    token: z.string().min(16, 'expected at least 16 characters').nullable(),
  }),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
});

export type Config = z.infer<typeof configSchema>;
