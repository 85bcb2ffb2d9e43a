import { Command } from 'commander';

import { generateTemporaryPassword } from '../accounts/accounts.js';
import type { PendingSteps } from '../accounts/registration.js';
import { type User, User as UserEntity } from '../db/entities/user.js';
import { endAccountAccess } from '../oidc/adapter.js';
import { ClientStore } from '../oidc/client-store.js';
import type { WithApp } from './index.js';
import { recordOperatorChange } from './operator-audit.js';
import { printable } from './printable.js';

const STEP_NAMES = {
  password: 'new password',
  questions: 'security questions',
  details: 'personal details',
};

type Locks = { signIn: Date | null; recovery: Date | null };
const lockText = (until: Date | null) =>
  until ? `locked until ${until.toISOString()} (idp users unlock)` : 'open';

function describe(
  user: User,
  pending: PendingSteps,
  locks: Locks,
  expiresAt: Date | null,
  products: string[],
): string {
  const open = (Object.keys(STEP_NAMES) as (keyof PendingSteps)[]).filter((step) => pending[step]);
  const rows: [string, string | null][] = [
    ['id (sub)', user.id],
    ['username', user.username],
    ['status', user.status],
    ['temporary password', user.mustChangePassword ? 'yes: must be changed at next sign-in' : 'no'],
    [
      'registration',
      open.length ? `pending: ${open.map((s) => STEP_NAMES[s]).join(', ')}` : 'complete',
    ],
    ['password changed', user.passwordChangedAt.toISOString()],
    [
      'password expires',
      user.passwordExpired
        ? 'expired by an operator: must be changed at next sign-in'
        : (expiresAt?.toISOString() ?? 'never'),
    ],
    ['products', products.length ? products.join(', ') : 'none (besides open ones)'],
    ['sign-in', lockText(locks.signIn)],
    ['recovery', lockText(locks.recovery)],
    ['email', user.email],
    ['first name', user.firstName],
    ['last name', user.lastName],
    ['preferred language', user.preferredLanguage],
    ['created', user.createdAt.toISOString()],
  ];
  return rows.map(([label, value]) => `${label.padEnd(20)}${printable(value)}`).join('\n');
}

export function userCommands(withApp: WithApp): Command {
  const users = new Command('users').description('end-user accounts');

  users
    .command('add')
    .description('create a user with a temporary password (generated and printed when omitted)')
    .requiredOption('--username <username>', 'username (unique, case-insensitive)')
    .option('--temporary-password <password>', 'temporary password to hand to the user')
    .action(async (options) => {
      const password: string = options.temporaryPassword ?? generateTemporaryPassword();
      const user = await withApp(async (app) => {
        const created = await app.services.accounts.create({
          username: options.username,
          temporaryPassword: password,
        });
        await recordOperatorChange(app, 'operator.user_created', { userId: created.id });
        return created;
      });
      console.log(`user ${user.username} added (sub ${user.id})`);
      if (!options.temporaryPassword) console.log(`temporary password: ${password}`);
    });

  users
    .command('list')
    .description('list users')
    .action(async () => {
      const all = await withApp((app) => app.services.accounts.list());
      for (const u of all)
        console.log(`${printable(u.username)}\t${u.status}\t${printable(u.email)}`);
      if (all.length === 0) console.log('no users');
    });

  users
    .command('show <username>')
    .description('show a user')
    .action(async (username: string) => {
      const [user, pending, locks, expiresAt, products] = await withApp(async ({ services }) => {
        const found = await services.accounts.getByUsername(username);
        const locks = {
          signIn: (await services.signIn.lockState(username)).lockedUntil,
          recovery: (await services.recovery.lockState(username)).lockedUntil,
        };
        const pending = await services.registration.pending(found);
        const products = await services.entitlements.list(found.id);
        return [found, pending, locks, services.expiry.expiresAt(found), products] as const;
      });
      console.log(describe(user, pending, locks, expiresAt, products));
    });

  users
    .command('disable <username>')
    .description('block sign-in; tokens already issued stop working')
    .action(async (username: string) => {
      await withApp(async (app) => {
        const user = await app.services.accounts.setStatus(username, 'disabled');
        await recordOperatorChange(app, 'operator.user_disabled', { userId: user.id });
      });
      console.log(`user ${username} disabled`);
    });

  users
    .command('enable <username>')
    .description('allow sign-in again')
    .action(async (username: string) => {
      await withApp(async (app) => {
        const user = await app.services.accounts.setStatus(username, 'active');
        await recordOperatorChange(app, 'operator.user_enabled', { userId: user.id });
      });
      console.log(`user ${username} enabled`);
    });

  users
    .command('grant <username> <client>')
    .description('let the user sign in to a product that is not open to all')
    .action(async (username: string, clientId: string) => {
      const added = await withApp(async (app) => {
        const user = await app.services.accounts.getByUsername(username);
        await new ClientStore(app.services.db, app.services.provider).get(clientId);
        const added = await app.services.entitlements.grant(user.id, clientId);
        await recordOperatorChange(app, 'operator.product_granted', { userId: user.id, clientId });
        return added;
      });
      console.log(
        added ? `${username} may use ${clientId}` : `${username} could already use ${clientId}`,
      );
    });

  users
    .command('revoke <username> <client>')
    .description("take a product away; the user's tokens for it stop working at once")
    .action(async (username: string, clientId: string) => {
      const removed = await withApp(async (app) => {
        const user = await app.services.accounts.getByUsername(username);
        const removed = await app.services.entitlements.revoke(user.id, clientId);
        await recordOperatorChange(app, 'operator.product_revoked', { userId: user.id, clientId });
        return removed;
      });
      console.log(
        removed
          ? `${username} may no longer use ${clientId}`
          : `${username} had no grant for ${clientId}`,
      );
    });

  users
    .command('expire-password <username>')
    .description('make the user choose a new password at the next sign-in')
    .action(async (username: string) => {
      await withApp(async (app) => {
        const user = await app.services.accounts.getByUsername(username);
        await app.services.db
          .getRepository(UserEntity)
          .update({ id: user.id }, { passwordExpired: true, updatedAt: new Date() });
        // Often done because the password may be known to someone else: whoever
        // holds a session now must not be the one to choose the new password.
        await endAccountAccess(app.services.db, user.id);
        await recordOperatorChange(app, 'operator.password_expired', { userId: user.id });
      });
      console.log(
        `the password of ${username} has expired and its sessions ended: ` +
          'a new password is asked for at the next sign-in',
      );
    });

  users
    .command('unlock <username>')
    .description('lift the locks after too many failed sign-ins or recovery answers')
    .action(async (username: string) => {
      await withApp(async (app) => {
        const user = await app.services.accounts.getByUsername(username);
        await app.services.recovery.unlock(username);
        await app.services.signIn.unlock(username);
        await recordOperatorChange(app, 'operator.user_unlocked', { userId: user.id });
      });
      console.log(`user ${username} unlocked`);
    });

  users
    .command('set-temporary-password <username>')
    .description(
      'replace the password with a generated temporary one, to be changed at next sign-in',
    )
    .action(async (username: string) => {
      const password = generateTemporaryPassword();
      await withApp(async (app) => {
        const user = await app.services.accounts.getByUsername(username);
        await app.services.passwords.resetToTemporary(user, password);
        await recordOperatorChange(app, 'operator.password_reset', { userId: user.id });
      });
      console.log(`temporary password: ${password}`);
    });

  return users;
}
