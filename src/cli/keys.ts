import { Command } from 'commander';

import { listSigningKeys, rotateSigningKeys } from '../oidc/keys.js';
import type { WithApp } from './index.js';

export function keyCommands(withApp: WithApp): Command {
  const keys = new Command('keys').description('token signing keys');

  keys
    .command('list')
    .description('list signing keys, newest first (the newest of each algorithm signs)')
    .action(async () => {
      const rows = await withApp((app) => listSigningKeys(app.services.db));
      const signing = new Set<string>();
      for (const key of rows) {
        const role = signing.has(key.alg) ? 'verify only' : 'signing';
        signing.add(key.alg);
        console.log(`${key.kid}\t${key.alg}\t${new Date(key.createdAt).toISOString()}\t${role}`);
      }
    });

  keys
    .command('rotate')
    .description('add a new key per algorithm; old keys stay published for verification')
    .action(async () => {
      await withApp((app) => rotateSigningKeys(app.services.db));
      console.log('new signing keys added; running instances use them after a restart');
    });

  return keys;
}
