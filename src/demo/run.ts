import { existsSync, readFileSync } from 'node:fs';

import { loadConfig } from '../config/load.js';
import { startDemoRelyingParty } from './relying-party.js';
import { type DemoProductCredentials, demoProductsFile } from './seed.js';

/** `npm run demo`: the four demo products, with the credentials the development seed wrote. */
const config = loadConfig();
const file = demoProductsFile(config.dataDir);
if (!existsSync(file)) {
  process.stderr.write(
    `${file} not found: start the provider once with "npm start" (development mode) first.\n`,
  );
  process.exit(1);
}
const demo = JSON.parse(readFileSync(file, 'utf8')) as {
  issuer: string;
  products: DemoProductCredentials[];
};
for (const product of demo.products) {
  const { url } = await startDemoRelyingParty({ issuer: demo.issuer, ...product });
  process.stdout.write(`${product.name.padEnd(12)} ${url}\n`);
}
process.stdout.write(
  `Open ${demo.issuer}/ and sign in to a product; sign out of one to leave all.\n`,
);
