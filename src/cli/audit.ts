import { Command } from 'commander';

import { AppError } from '../errors.js';
import type { WithApp } from './index.js';
import { printable } from './printable.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since` takes an ISO date/time or an age such as 30m, 24h, 7d. */
function parseSince(value: string): Date {
  const age = /^(\d+)([mhd])$/.exec(value);
  if (age) return new Date(Date.now() - Number(age[1]) * (UNITS[age[2] as string] as number));
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new AppError(
      'audit.since',
      `--since: expected an ISO date or an age like 24h, got "${value}"`,
    );
  }
  return date;
}

export function auditCommands(withApp: WithApp): Command {
  const audit = new Command('audit').description('the audit trail');

  audit
    .command('list')
    .description('list audit events, newest first')
    .option('--user <username>', 'only events of this user')
    .option('--type <type>', 'only events of this type, e.g. login.failed')
    .option('--since <when>', 'only events since an ISO date or an age (30m, 24h, 7d)')
    .option('--limit <n>', 'at most this many events', '100')
    .option('--json', 'one JSON object per line', false)
    .action(async (options) => {
      const since = options.since ? parseSince(options.since) : undefined;
      const limit = Number.parseInt(options.limit, 10);
      if (!Number.isInteger(limit) || limit < 1)
        throw new AppError('audit.limit', '--limit: expected a positive number');

      const rows = await withApp(async ({ services }) => {
        const user = options.user ? await services.accounts.getByUsername(options.user) : undefined;
        const events = await services.audit.list({
          userId: user?.id,
          type: options.type,
          since,
          limit,
        });
        const names = new Map<string, string>();
        for (const id of new Set(
          events.map((e) => e.userId).filter((id): id is string => Boolean(id)),
        )) {
          const found = await services.accounts.findById(id);
          if (found) names.set(id, found.username);
        }
        return events.map((e) => ({
          time: new Date(e.occurredAt).toISOString(),
          type: e.type,
          outcome: e.outcome,
          user: e.userId ? (names.get(e.userId) ?? e.userId) : null,
          client: e.clientId,
          ip: e.ip,
          userAgent: e.userAgent,
          detail: e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : null,
        }));
      });

      if (!options.json && rows.length > 0) {
        console.log(
          ['time', 'type', 'outcome', 'user', 'client', 'ip', 'user agent', 'detail'].join('\t'),
        );
      }
      for (const row of rows) {
        if (options.json) {
          console.log(JSON.stringify(row));
          continue;
        }
        const detail = row.detail ? JSON.stringify(row.detail) : '';
        console.log(
          [row.time, row.type, row.outcome, row.user, row.client, row.ip, row.userAgent, detail]
            .map((v) => printable(v))
            .join('\t'),
        );
      }
      if (rows.length === 0 && !options.json) console.log('no events');
    });

  return audit;
}
