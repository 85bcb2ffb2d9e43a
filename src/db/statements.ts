import type { DataSource } from 'typeorm';

/**
 * Single statements for the lookups and writes that every sign-in and token
 * request makes (the provider's stored objects, the account, the attempt
 * counters, the audit trail), outside any transaction.
 *
 * On MySQL/MariaDB they go straight to the driver's connection pool as
 * prepared statements: the server parses each statement once per
 * connection, and the ORM's per-query work (a query runner, event
 * broadcasts, result wrapping) is skipped. On SQLite they go through the
 * ORM as before, which keeps them in the one queue that transactions use.
 * Errors are the driver's own, so outage and unique-conflict detection see
 * the same codes.
 */
export interface Statements {
  /** The rows a SELECT returns. */
  rows<T = Record<string, unknown>>(sql: string, parameters: unknown[]): Promise<T[]>;
  /** Runs an INSERT, UPDATE or DELETE; how many rows it changed. */
  run(sql: string, parameters: unknown[]): Promise<number>;
}

type Callback = (error: Error | null, result: unknown) => void;
interface MysqlPool {
  execute(sql: string, parameters: unknown[], callback: Callback): void;
}

const cache = new WeakMap<DataSource, Statements>();

/** The statement runner for `db` (one per database). */
export function statementsFor(db: DataSource): Statements {
  let statements = cache.get(db);
  if (!statements) {
    statements = db.options.type === 'better-sqlite3' ? ormStatements(db) : poolStatements(db);
    cache.set(db, statements);
  }
  return statements;
}

function poolStatements(db: DataSource): Statements {
  const execute = (sql: string, parameters: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      // The pool exists once the DataSource is initialized; read it per call
      // so a runner made earlier still finds it.
      const pool = (db.driver as unknown as { pool: MysqlPool }).pool;
      // The driver refuses undefined where the ORM binds NULL: keep the ORM's rule.
      const values = parameters.map((value) => (value === undefined ? null : value));
      pool.execute(sql, values, (error, result) => (error ? reject(error) : resolve(result)));
    });
  return {
    rows: async <T>(sql: string, parameters: unknown[]) => (await execute(sql, parameters)) as T[],
    run: async (sql, parameters) =>
      ((await execute(sql, parameters)) as { affectedRows: number }).affectedRows,
  };
}

function ormStatements(db: DataSource): Statements {
  return {
    rows: (sql, parameters) => db.query(sql, parameters),
    async run(sql, parameters) {
      const runner = db.createQueryRunner();
      try {
        const result = await runner.query(sql, parameters, true);
        return result.affected ?? 0;
      } finally {
        await runner.release();
      }
    },
  };
}
