import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server for the tests: it accepts every message (no TLS, no
 * login) and keeps each one parsed. It can be started on a port chosen
 * beforehand, so a test can point the provider at it while it is down.
 */
export class TestMailServer {
  readonly received: ParsedMail[] = [];
  readonly #server: SMTPServer;
  #waiters: (() => void)[] = [];

  constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, _session, done) => {
        simpleParser(stream)
          .then((mail) => {
            this.received.push(mail);
            for (const wake of this.#waiters.splice(0)) wake();
            done();
          })
          .catch(done);
      },
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** Messages received for `address`. */
  to(address: string): ParsedMail[] {
    return this.received.filter((mail) =>
      [mail.to].flat().some((to) => to?.value.some((v) => v.address === address)),
    );
  }
}
