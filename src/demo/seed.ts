import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { generateTemporaryPassword } from '../accounts/accounts.js';
import { generateClientSecret } from '../oidc/client-secret.js';
import { ClientStore } from '../oidc/client-store.js';
import type { Services } from '../services.js';

/** The demo products: the customer guide's four portals, each a relying party on its own port. */
export const DEMO_PRODUCTS = [
  {
    id: 'servatnet',
    name: 'Serv@Net',
    port: 3001,
    description: {
      da: 'Onlineværktøj for alle kreditforsikringskunder.',
      en: 'The online tool for every credit insurance customer.',
    },
  },
  {
    id: 'insights',
    name: 'Insights',
    port: 3002,
    description: {
      da: 'Overblik over dine forsikrede købere.',
      en: 'An overview of your insured buyers.',
    },
  },
  {
    id: 'collectatnet',
    name: 'Collect@Net',
    port: 3003,
    description: {
      da: 'Onlineværktøj for alle, der anvender inkasso uden kreditforsikring.',
      en: 'The online tool for debt collection without credit insurance.',
    },
  },
  {
    id: 'garantiatnet',
    name: 'Garanti@Net',
    port: 3004,
    description: {
      da: 'Bestil garantier, og få overblik over jeres eksisterende garantier.',
      en: 'Order guarantees and see all your existing guarantees.',
    },
  },
] as const;

/** The product the demo user is not entitled to, to show a refused sign-in. */
const NOT_GRANTED = 'garantiatnet';

export interface DemoProductCredentials {
  clientId: string;
  clientSecret: string;
  name: string;
  port: number;
}

/** Where the seed leaves the demo products' credentials for `npm run demo`. */
export function demoProductsFile(dataDir: string): string {
  return resolve(dataDir, 'demo-products.json');
}

/**
 * Development only: on an empty database, registers the four demo products
 * (with back-channel logout), a demo user with a temporary password who may
 * use three of them, and says how to try them.
 */
export async function seedDemo(services: Services, say: (line: string) => void): Promise<void> {
  const clients = new ClientStore(services.db, services.provider);
  if ((await services.accounts.count()) > 0 || (await clients.list()).length > 0) return;

  const password = generateTemporaryPassword();
  const user = await services.accounts.create({ username: 'demo', temporaryPassword: password });
  const products: DemoProductCredentials[] = [];
  for (const product of DEMO_PRODUCTS) {
    const secret = generateClientSecret();
    const rp = `http://localhost:${product.port}`;
    await clients.add({
      id: product.id,
      secret,
      redirectUris: [`${rp}/callback`],
      postLogoutRedirectUris: [`${rp}/`],
      name: product.name,
      description: { ...product.description },
      clientUri: `${rp}/login`,
      backchannelLogoutUri: `${rp}/backchannel-logout`,
      backchannelLogoutSessionRequired: true,
      firstParty: true,
      isPublic: false,
    });
    if (product.id !== NOT_GRANTED) await services.entitlements.grant(user.id, product.id);
    products.push({
      clientId: product.id,
      clientSecret: secret,
      name: product.name,
      port: product.port,
    });
  }

  const file = demoProductsFile(services.config.dataDir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ issuer: services.config.issuer, products }, null, 2)}\n`,
    { mode: 0o600 },
  );

  say('');
  say('Development database seeded:');
  for (const product of products) {
    say(`  product  ${product.name.padEnd(12)} http://localhost:${product.port}`);
  }
  say(`  user     demo / ${password}  (temporary password; not entitled to Garanti@Net)`);
  say(`Run "npm run demo", open ${services.config.issuer}/ and sign in to any product.`);
  say('');
}
