import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** Leases that let one instance at a time run each periodic background job. */
export class JobLeases1796360400000 implements MigrationInterface {
  name = 'JobLeases1796360400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'job_leases',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'holder', type: 'varchar', length: '64' },
          { name: 'expires_at', type: 'bigint' },
        ],
      }),
    );
    if (queryRunner.connection.options.type !== 'better-sqlite3') {
      await queryRunner.query(
        'ALTER TABLE `job_leases` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('job_leases');
  }
}
