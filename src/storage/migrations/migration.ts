import type { Kysely } from 'kysely'
import type { StorageDialect } from '../dialect/dialect.js'

/** What migrations ask the database about: a new database answers these, and the migrations stay shared. */
export type MigrationDialect = Pick<StorageDialect, 'name' | 'capabilities' | 'keyTextType'>

/** What a migration may need besides the database. */
export interface MigrationContext {
  /** The table prefix; tables are named by their logical names, but index names need it. */
  readonly prefix: string
  /**
   * What differs between databases in DDL: the type of key and indexed text (`keyTextType`), and
   * whether an index may be partial (`capabilities.partialIndexes`, see `partial-index.ts`).
   */
  readonly dialect: MigrationDialect
}

/**
 * One schema change. Migrations run in order of `name`, each once, inside the migration
 * transaction; the applied ones are recorded in the `migrations` table. Never change the DDL of
 * one that has shipped (a rewrite must produce the very same statements on every database that
 * already ran it): add a new file instead.
 */
export interface Migration {
  readonly name: string
  up(db: Kysely<any>, context: MigrationContext): Promise<void>
}
