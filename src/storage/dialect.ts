import type { Kysely, SelectQueryBuilder } from 'kysely'

/**
 * Everything that differs between the databases hookrelay runs on, and nothing else.
 * `KyselyStorage` is written once against Kysely; it asks its dialect only these questions.
 */
export interface StorageDialect {
  readonly name: 'sqlite' | 'postgres'

  /**
   * Makes the claim subquery safe against concurrent claimers. Postgres adds
   * `FOR UPDATE SKIP LOCKED` so two workers never pick the same row and never wait for each
   * other; SQLite serialises writes, so the one-statement `UPDATE … WHERE id IN (SELECT …)` is
   * already exclusive and the query is returned unchanged.
   */
  lockClaimQuery<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>

  /**
   * Runs `migrate` in one transaction that no other process can run at the same time (Postgres:
   * `pg_advisory_xact_lock`, after creating the schema if missing; SQLite: `BEGIN IMMEDIATE`).
   * `db` is hookrelay's own (prefixed) Kysely; `migrate` receives the transaction to use.
   */
  withMigrationLock(db: Kysely<any>, migrate: (tx: Kysely<any>) => Promise<void>): Promise<void>

  /** The placeholder of the `index`-th (1-based) parameter in hand-written SQL: `?` or `$1`. */
  parameter(index: number): string
}
