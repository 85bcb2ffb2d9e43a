import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** Per-address request counts for the sliding-window rate limits. */
export class RateWindows1796349600000 implements MigrationInterface {
  name = 'RateWindows1796349600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'rate_windows',
        columns: [
          { name: 'counter_key', type: 'varchar', length: '191', isPrimary: true },
          { name: 'window_start', type: 'bigint', isPrimary: true },
          { name: 'hits', type: 'integer', default: 0 },
        ],
        indices: [{ name: 'ix_rate_windows_start', columnNames: ['window_start'] }],
      }),
    );
    if (queryRunner.connection.options.type !== 'better-sqlite3') {
      await queryRunner.query(
        'ALTER TABLE `rate_windows` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('rate_windows');
  }
}
