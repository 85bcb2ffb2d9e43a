/** True when a database error is a unique-index conflict (MySQL/MariaDB or SQLite). */
export function isUniqueViolation(error: unknown): boolean {
  const driverError =
    (error as { driverError?: { code?: string; errno?: number } })?.driverError ?? error;
  const code = (driverError as { code?: string })?.code ?? '';
  return (
    code === 'ER_DUP_ENTRY' ||
    code.startsWith('SQLITE_CONSTRAINT_UNIQUE') ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
