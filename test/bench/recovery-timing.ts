/**
 * Timing check for password recovery: does a real username answer faster
 * or slower than an unknown one? Starts a provider on a temporary SQLite
 * database with the configured hash cost, then submits wrong answers for a
 * real and an unknown username, interleaved, and prints the latencies.
 * Run with `npm run bench:recovery` (optionally SAMPLES=40).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logger.js';
import { BrowserAgent, expectPage } from '../helpers/browser-agent.js';
import { answerForm } from '../helpers/recovery.js';
import { freePort } from '../helpers/server.js';

const samples = Number(process.env.SAMPLES ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'idp-bench-'));
const configFile = join(dir, 'bench.json');
// No lockout during the measurement: every sample does the full work.
writeFileSync(
  configFile,
  JSON.stringify({ recovery: { maxFailures: 20, maxFailuresPerIp: 10000 } }),
);
const port = await freePort();
const config = loadConfig({
  NODE_ENV: 'production',
  ISSUER: `http://localhost:${port}`,
  PORT: String(port),
  DATABASE_URL: `sqlite:${join(dir, 'bench.sqlite')}`,
  CONFIG_FILE: configFile,
  LOG_LEVEL: 'silent',
  METRICS_ENABLED: 'false',
});
const app = await createApp(config, createLogger('silent'));
const server = app.provider.listen(port);
const issuer = config.issuer;

const user = await app.services.accounts.create({
  username: 'real.user',
  temporaryPassword: 'Midlertidig-1234',
});
const rows = await app.services.questions.prepare(user.id, [
  { questionId: 'best-school-friend', answer: 'Rasmus' },
  { questionId: 'first-school', answer: 'Lindeskolen' },
  { questionId: 'first-car', answer: 'Volvo' },
]);
await app.services.db.transaction((manager) => app.services.questions.enrol(manager, rows));

async function once(username: string): Promise<number> {
  const agent = new BrowserAgent(issuer);
  const start = await agent.open(`${issuer}/recovery`);
  const questions = expectPage(await agent.submit(start, { username }));
  const began = performance.now();
  const result = expectPage(
    await agent.submit(questions, answerForm(['wrong one', 'wrong two', 'wrong three'])),
  );
  const elapsed = performance.now() - began;
  if (result.status !== 400) throw new Error(`unexpected status ${result.status}`);
  return elapsed;
}

const times: Record<string, number[]> = { real: [], unknown: [] };
for (let i = 0; i < samples; i++) {
  times.real?.push(await once('real.user'));
  times.unknown?.push(await once(`nobody-${i % 3}`));
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
console.log(
  `recovery answer latency, ${samples} samples each, scrypt logN ${config.passwordHash.logN}`,
);
console.log('username   median ms   p95 ms');
for (const [name, values] of Object.entries(times)) {
  console.log(
    `${name.padEnd(10)} ${quantile(values, 0.5).toFixed(1).padStart(9)} ${quantile(values, 0.95).toFixed(1).padStart(8)}`,
  );
}
const real = quantile(times.real ?? [], 0.5);
const unknown = quantile(times.unknown ?? [], 0.5);
console.log(
  `median difference: ${(real - unknown).toFixed(1)} ms (${(((real - unknown) / real) * 100).toFixed(1)} %)`,
);

server.close();
await app.close();
rmSync(dir, { recursive: true, force: true });
