import { once } from 'node:events';
import { connect } from 'node:net';

import test from 'ava';

import { createTestDatabase } from './helpers/database.js';
import { freePort } from './helpers/server.js';
import { spawnServer } from './helpers/server-process.js';

/** Starts `npm start`'s entry point as its own process and waits until it listens. */
async function startServer(env: Record<string, string>) {
  const server = spawnServer(env);
  await server.until('listening', () => server.output().includes('"msg":"listening"'));
  return server;
}

/** One raw HTTP request whose body is sent in two parts, so it is in flight in between. */
function slowRequest(port: number, body: string) {
  const socket = connect(port, '127.0.0.1');
  let response = '';
  socket.on('data', (chunk) => {
    response += chunk;
  });
  const ended = once(socket, 'close').then(() => response);
  socket.write(
    'POST /recovery HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\n' +
      'Content-Type: application/x-www-form-urlencoded\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 5)}`,
  );
  return { finish: () => socket.write(body.slice(5)), ended };
}

test('SIGTERM: stops accepting, finishes the request in flight, exits 0', async (t) => {
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const port = await freePort();
  const { child, output } = await startServer({
    NODE_ENV: 'test',
    PORT: String(port),
    ISSUER: `http://localhost:${port}`,
    DATABASE_URL: database.url,
    LOG_LEVEL: 'info',
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  const inFlight = slowRequest(port, 'username=anna&_csrf=none');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 300));

  // New connections are refused while the old request is still open.
  await t.throwsAsync(fetch(`http://127.0.0.1:${port}/healthz`));
  t.is(child.exitCode, null, 'the process waited for the request in flight');

  inFlight.finish();
  const response = await inFlight.ended;
  t.regex(response, /^HTTP\/1\.1 (200|400|403) /);
  t.regex(response, /<html lang="da"/);

  const [code] = await exited;
  t.is(code, 0);
  t.regex(output(), /"msg":"shutting down"/);
  t.regex(output(), /"msg":"stopped"/);
});
