import { existsSync, readFileSync } from 'node:fs';

import { loadConfig } from '../config/load.js';
import { startDemoRelyingParty } from './relying-party.js';
import { type DemoProductCredentials, demoProductsFile } from './seed.js';

/**
 * `npm run demo`: the four demo products, with the credentials the
 * development seed wrote into the data folder, against the provider the
 * configuration names (the same ISSUER and DATA_DIR as `npm start`).
 */
const config = loadConfig();
const file = demoProductsFile(config.dataDir);
if (!existsSync(file)) {
  process.stderr.write(
    `${file} not found: start the provider once with "npm start" in development mode, ` +
      'with the same DATA_DIR, first.\n',
  );
  process.exit(1);
}
const demo = JSON.parse(readFileSync(file, 'utf8')) as { products: DemoProductCredentials[] };
for (const product of demo.products) {
  try {
    const { url } = await startDemoRelyingParty({ issuer: config.issuer, ...product });
    process.stdout.write(`${product.name.padEnd(12)} ${url}\n`);
  } catch (error) {
    const { code } = error as { code?: string };
    const reason =
      code === 'EADDRINUSE'
        ? `port ${product.port} is already in use`
        : code === 'ECONNREFUSED' || (error as Error).cause
          ? `the provider at ${config.issuer} does not answer ` +
            '(start it first, with the same ISSUER)'
          : (error as Error).message;
    process.stderr.write(`${product.name}: ${reason}\n`);
    process.exit(1);
  }
}
process.stdout.write(
  `Open ${config.issuer}/ and sign in to a product; sign out of one to leave all.\n`,
);
