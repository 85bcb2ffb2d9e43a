import type { ValueTransformer } from 'typeorm';

/** mysql2 returns BIGINT columns as strings; the application works with numbers. */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** Booleans are TINYINT on MariaDB and INTEGER on SQLite; both come back as 0 or 1. */
export const integerBoolean: ValueTransformer = {
  to: (value: boolean | undefined) => (value === undefined ? undefined : value ? 1 : 0),
  from: (value: number | boolean) => Boolean(value),
};
