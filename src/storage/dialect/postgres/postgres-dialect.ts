import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import type { BatchColumns, StorageDialect } from '../dialect.js'
import { standardSql } from '../standard-sql.js'

/**
 * The advisory lock key every hookrelay migration takes ("hookrela" in ASCII), whatever the schema
 * or prefix: migrations are rare and short, so one key for the whole database keeps it simple.
 */
const MIGRATION_LOCK_KEY = '7524958658049959265'

/** Postgres: `SKIP LOCKED` claims and an advisory lock around migrations. */
export function postgresDialect(options: { schema: string }): StorageDialect {
  const { schema } = options
  return Object.freeze({
    name: 'postgres',

    capabilities: Object.freeze({ returning: true, partialIndexes: true, skipLocked: true, transactionalDdl: true, jsonpath: true }),

    keyTextType: 'text',

    quote(identifier: string): string {
      return `"${identifier.replaceAll('"', '""')}"`
    },

    ...standardSql,

    lockClaimQuery<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
      return query.forUpdate().skipLocked()
    },

    parameter(index: number): string {
      return `$${index}`
    },

    batch(columns: BatchColumns): string {
      const fields = Object.entries(columns).map(([name, type]) => `${name} ${type}`)
      return `json_to_recordset($1::json) as v(${fields.join(', ')})`
    },

    batchParameters(_columns: BatchColumns, rows: readonly Readonly<Record<string, unknown>>[]): unknown[] {
      return [JSON.stringify(rows)]
    },

    claimLimit(index: number): string {
      return `(select $${index}::int)`
    },

    pickedBy(select: string): string {
      return `= any(array(${select} for update skip locked))`
    },

    inList(index: number): string {
      return `= any($${index}::text[])`
    },

    listParameter(values: readonly string[]): unknown {
      return [...values]
    },

    claimReturnsRelated: true,

    async withMigrationLock(db: Kysely<any>, migrate: (tx: Kysely<any>) => Promise<void>): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK_KEY)}::bigint)`.execute(tx)
        // Look before creating: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the
        // database even when the schema exists, which an application's role often lacks.
        const existing = await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(tx)
        if (existing.rows.length === 0) await sql`create schema ${sql.id(schema)}`.execute(tx)
        await migrate(tx)
      })
    },
  })
}
