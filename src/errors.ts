/**
 * The one error class the application throws on purpose. `code` is a dotted
 * identifier (`users.duplicate`) that doubles as the message-catalogue key
 * for what a user sees; `message` is English for logs and the CLI. Only
 * errors with `expose` set may show their message; anything else becomes a
 * generic page and a log line.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  readonly code: string;
  readonly expose: boolean;

  constructor(code: string, message: string, options: { status?: number; expose?: boolean } = {}) {
    super(message);
    this.code = code;
    this.status = options.status ?? 400;
    this.expose = options.expose ?? this.status < 500;
  }
}
