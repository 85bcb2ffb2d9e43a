import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { generateTemporaryPassword } from '../accounts/accounts.js';
import { ClientStore, generateClientSecret } from '../oidc/client-store.js';
import type { Services } from '../services.js';

export const DEMO_CLIENT_ID = 'demo-rp';
export const DEMO_PORT = 3001;

/** Where the seed leaves the demo client's credentials for `npm run demo`. */
export function demoClientFile(dataDir: string): string {
  return resolve(dataDir, 'demo-client.json');
}

/**
 * Development only: on an empty database, registers the demo relying party
 * and a demo user with a temporary password, and says how to try them.
 */
export async function seedDemo(services: Services, say: (line: string) => void): Promise<void> {
  const clients = new ClientStore(services.db, services.provider);
  if ((await services.accounts.count()) > 0 || (await clients.list()).length > 0) return;

  const secret = generateClientSecret();
  const rp = `http://localhost:${DEMO_PORT}`;
  await clients.add({
    id: DEMO_CLIENT_ID,
    secret,
    redirectUris: [`${rp}/callback`],
    postLogoutRedirectUris: [`${rp}/`],
    name: 'Demo product',
    firstParty: true,
    isPublic: false,
  });
  const password = generateTemporaryPassword();
  await services.accounts.create({ username: 'demo', temporaryPassword: password });

  const file = demoClientFile(services.config.dataDir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        issuer: services.config.issuer,
        clientId: DEMO_CLIENT_ID,
        clientSecret: secret,
        port: DEMO_PORT,
      },
      null,
      2,
    )}\n`,
    { mode: 0o600 },
  );

  say('');
  say('Development database seeded:');
  say(`  demo client  ${DEMO_CLIENT_ID} (credentials in ${file})`);
  say(`  demo user    demo / ${password}  (temporary password)`);
  say(`Run "npm run demo" and open ${rp} to sign in through the provider.`);
  say('');
}
