import { existsSync, readFileSync } from 'node:fs';

import { loadConfig } from '../config/load.js';
import { startDemoRelyingParty } from './relying-party.js';
import { demoClientFile } from './seed.js';

/** `npm run demo`: the demo product, with the credentials the development seed wrote. */
const config = loadConfig();
const file = demoClientFile(config.dataDir);
if (!existsSync(file)) {
  process.stderr.write(
    `${file} not found: start the provider once with "npm start" (development mode) first.\n`,
  );
  process.exit(1);
}
const demo = JSON.parse(readFileSync(file, 'utf8')) as {
  issuer: string;
  clientId: string;
  clientSecret: string;
  port: number;
};
const { url } = await startDemoRelyingParty(demo);
process.stdout.write(`Demo product on ${url}: open it and click "Log in".\n`);
