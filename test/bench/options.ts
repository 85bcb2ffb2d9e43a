/**
 * The benchmark's command line, read and checked once: a wrong value stops
 * the run before anything is built, with the option named (exit 2). The
 * rest of the benchmark reads the typed `options` only.
 */
import { parseArgs } from 'node:util';

/** The rows the benchmark measures, in order: what `--only` picks from. */
export const ROW_NAMES = [
  'full sign-in',
  'refresh_token grant RS256',
  'refresh_token grant ES256',
  'client_credentials grant',
  'userinfo',
  'introspection',
  'discovery',
  'jwks',
] as const;
export type RowName = (typeof ROW_NAMES)[number];

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '8' },
    users: { type: 'string', default: '200' },
    out: { type: 'string', default: 'bench-results.json' },
    only: { type: 'string', default: '' },
    'log-n': { type: 'string' },
    warmup: { type: 'string', default: '3' },
    transport: { type: 'string', default: 'socket' },
    workers: { type: 'string', default: '1' },
    malloc: { type: 'string', default: 'hugetlb' },
  },
});

function usage(message: string): never {
  process.stderr.write(`npm run bench: ${message}\n`);
  process.exit(2);
}

function oneOf<T extends string>(option: keyof typeof args, allowed: readonly T[], hint = ''): T {
  const value = args[option] as string;
  if (!(allowed as readonly string[]).includes(value)) {
    usage(`--${option} takes ${hint || allowed.join(' or ')}, not "${value}"`);
  }
  return value as T;
}

function whole(option: keyof typeof args, least: number): number {
  const value = Number(args[option]);
  if (!Number.isInteger(value) || value < least) {
    usage(`--${option} takes a whole number of at least ${least}, not "${args[option]}"`);
  }
  return value;
}

const only = args.only.split(',').filter(Boolean);
for (const part of only) {
  if (!ROW_NAMES.some((name) => name.includes(part))) {
    usage(`--only "${part}" is part of no row name: ${ROW_NAMES.join(', ')}`);
  }
}

export const options = {
  db: oneOf('db', ['both', 'mysql', 'sqlite'], 'mysql (MariaDB or MySQL), sqlite or both'),
  durationSeconds: whole('duration', 1),
  warmupSeconds: whole('warmup', 0),
  connections: whole('connections', 1),
  /** Registered users the sign-ins cycle through. */
  users: whole('users', 1),
  out: args.out,
  /** Parts of row names to measure (all when empty), e.g. `--only sign-in,refresh`. */
  only,
  /** A lower scrypt cost than configured, to show what a sign-in costs besides the hash. */
  logN: args['log-n'] === undefined ? undefined : whole('log-n', 1),
  transport: oneOf('transport', ['socket', 'tcp']),
  /**
   * Server processes (the WORKERS setting). One unless told: with the
   * database and the load generator on the same two cores, a second process
   * brought nothing beyond the noise (README, Benchmark).
   */
  workers: whole('workers', 1),
  malloc: oneOf('malloc', ['hugetlb', 'default']),
};

/** Whether `--only` picks the row. */
export const selected = (name: RowName) =>
  only.length === 0 || only.some((part) => name.includes(part));
