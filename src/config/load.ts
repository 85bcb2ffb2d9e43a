import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { CONFIG_DIR } from '../paths.js';
import { type Config, configSchema } from './schema.js';

/**
 * Environment variables that override a setting, and the setting's path.
 * The README's configuration table lists the same names.
 */
const environmentOverrides: Record<
  string,
  { path: string; kind: 'string' | 'number' | 'boolean' | 'list' }
> = {
  NODE_ENV: { path: 'env', kind: 'string' },
  ISSUER: { path: 'issuer', kind: 'string' },
  PORT: { path: 'port', kind: 'number' },
  DATA_DIR: { path: 'dataDir', kind: 'string' },
  TRUST_PROXY: { path: 'trustProxy', kind: 'boolean' },
  WORKERS: { path: 'workers', kind: 'number' },
  DATABASE_URL: { path: 'database.url', kind: 'string' },
  MIGRATE_ON_START: { path: 'database.migrateOnStart', kind: 'boolean' },
  DATABASE_POOL_SIZE: { path: 'database.poolSize', kind: 'number' },
  PASSWORD_HASH_LOGN: { path: 'passwordHash.logN', kind: 'number' },
  SIGNING_KEYS_FILE: { path: 'keys.signingKeysFile', kind: 'string' },
  COOKIE_KEYS: { path: 'keys.cookieKeys', kind: 'list' },
  KEYS_RELOAD_INTERVAL_SECONDS: { path: 'keys.reloadIntervalSeconds', kind: 'number' },
  DEFAULT_LANGUAGE: { path: 'languages.default', kind: 'string' },
  BRAND_NAME: { path: 'brand.name', kind: 'string' },
  CONTACT_URL: { path: 'brand.contactUrl', kind: 'string' },
  SUPPORT_URL: { path: 'brand.supportUrl', kind: 'string' },
  LOG_LEVEL: { path: 'log.level', kind: 'string' },
  PASSWORD_MAX_AGE_DAYS: { path: 'passwordExpiry.maxAgeDays', kind: 'number' },
  SMTP_URL: { path: 'mail.smtpUrl', kind: 'string' },
  MAIL_FROM: { path: 'mail.from', kind: 'string' },
  METRICS_ENABLED: { path: 'metrics.enabled', kind: 'boolean' },
  METRICS_TOKEN: { path: 'metrics.token', kind: 'string' },
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Json;
  } catch (error) {
    throw new ConfigError(`cannot read configuration file ${file}: ${(error as Error).message}`);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: Json, override: Json): Json {
  const result: Json = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] = isObject(current) && isObject(value) ? merge(current, value) : value;
  }
  return result;
}

function setPath(target: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  const last = parts.pop() as string;
  let node = target;
  for (const part of parts) {
    if (!isObject(node[part])) node[part] = {};
    node = node[part] as Json;
  }
  node[last] = value;
}

function parseEnvValue(name: string, raw: string, kind: string): unknown {
  switch (kind) {
    case 'number': {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) {
        throw new ConfigError(`${name}: expected a number, got "${raw}"`);
      }
      return value;
    }
    case 'boolean':
      if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
      if (['0', 'false', 'no', ''].includes(raw.toLowerCase())) return false;
      throw new ConfigError(`${name}: expected true or false, got "${raw}"`);
    case 'list':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    default:
      return raw === '' ? null : raw;
  }
}

function describeIssue(path: PropertyKey[], message: string): string {
  const setting = path.join('.');
  const variable = Object.entries(environmentOverrides).find(([, o]) => o.path === setting)?.[0];
  return `${setting}${variable ? ` (${variable})` : ''}: ${message}`;
}

/**
 * Reads config/default.json, then config/<NODE_ENV>.json, then the file named
 * by CONFIG_FILE, then the environment variables above; validates the result
 * once and returns it frozen. Any bad value throws a ConfigError naming the
 * setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dir = CONFIG_DIR;
  let raw = readJson(join(dir, 'default.json'));

  const envName = env.NODE_ENV ?? (raw.env as string);
  const envFile = join(dir, `${envName}.json`);
  if (/^[a-z]+$/.test(envName) && existsSync(envFile)) raw = merge(raw, readJson(envFile));
  if (env.CONFIG_FILE) raw = merge(raw, readJson(resolve(env.CONFIG_FILE)));

  for (const [name, { path, kind }] of Object.entries(environmentOverrides)) {
    const value = env[name];
    if (value !== undefined) setPath(raw, path, parseEnvValue(name, value, kind));
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => describeIssue([...issue.path, key], 'unknown setting'))
        : [describeIssue(issue.path, issue.message)],
    );
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  checkProductionSafety(parsed.data);
  return deepFreeze(parsed.data);
}

function checkProductionSafety(config: Config): void {
  if (config.env !== 'production') return;
  const issuer = new URL(config.issuer);
  if (issuer.protocol !== 'https:' && issuer.hostname !== 'localhost') {
    throw new ConfigError(
      `issuer (ISSUER): production needs an https issuer, got ${config.issuer}`,
    );
  }
  if (config.metrics.enabled && !config.metrics.token) {
    throw new ConfigError(
      'metrics.token (METRICS_TOKEN): production serves /metrics only to a bearer token; ' +
        'set one, or turn metrics off with METRICS_ENABLED=false',
    );
  }
}

/** True when the issuer is plain http: fine on a developer's machine, never in production. */
export function usesInsecureIssuer(config: Config): boolean {
  return new URL(config.issuer).protocol !== 'https:';
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
