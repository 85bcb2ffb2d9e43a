import { createServer, request, type Server } from 'node:http';

/**
 * A round-robin load balancer for the tests: every request (not every
 * connection) goes to the next backend in turn, so consecutive steps of one
 * flow land on different instances.
 */
export class RoundRobinBalancer {
  readonly served: number[];
  readonly #backends: number[];
  readonly #server: Server;
  #next = 0;
  port = 0;

  constructor(backendPorts: number[]) {
    this.#backends = backendPorts;
    this.served = backendPorts.map(() => 0);
    this.#server = createServer((incoming, outgoing) => {
      const index = this.#next++ % this.#backends.length;
      this.served[index] = (this.served[index] ?? 0) + 1;
      const forwarded = request(
        {
          host: 'localhost',
          port: this.#backends[index],
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      forwarded.on('error', () => outgoing.writeHead(502).end());
      incoming.pipe(forwarded);
    });
  }

  /** Listens on `port` (0: any free port). */
  listen(port = 0): Promise<void> {
    return new Promise((resolve) =>
      this.#server.listen(port, 'localhost', () => {
        this.port = (this.#server.address() as { port: number }).port;
        resolve();
      }),
    );
  }

  setBackends(ports: number[]): void {
    this.#backends.splice(0, this.#backends.length, ...ports);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
