import type { Kysely } from 'kysely'

/** What a migration may need besides the database. */
export interface MigrationContext {
  /** The table prefix; tables are named by their logical names, but index names need it. */
  readonly prefix: string
}

/**
 * One schema change. Migrations run in order of `name`, each once, inside the migration
 * transaction; the applied ones are recorded in the `migrations` table. Never edit one that has
 * shipped: add a new file instead.
 */
export interface Migration {
  readonly name: string
  up(db: Kysely<any>, context: MigrationContext): Promise<void>
}
