import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import type { BatchColumns, StorageDialect } from '../dialect.js'
import { standardSql } from '../standard-sql.js'

/** SQLite: writes are serialised by the database, so claims need no row locks. */
export const sqliteDialect: StorageDialect = Object.freeze({
  name: 'sqlite',

  capabilities: Object.freeze({ returning: true, partialIndexes: true, skipLocked: false, transactionalDdl: true, jsonpath: false }),

  keyTextType: 'text',

  quote(identifier: string): string {
    return `"${identifier.replaceAll('"', '""')}"`
  },

  ...standardSql,

  lockClaimQuery<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
    return query
  },

  parameter(): string {
    return '?'
  },

  batch(columns: BatchColumns, rows: number): string {
    const names = Object.keys(columns)
    const tuple = `(${names.map(() => '?').join(', ')})`
    const named = names.map((name, i) => `column${i + 1} as ${name}`).join(', ')
    return `(select ${named} from (values ${Array.from({ length: rows }, () => tuple).join(', ')})) as v`
  },

  batchParameters(columns: BatchColumns, rows: readonly Readonly<Record<string, unknown>>[]): unknown[] {
    const names = Object.keys(columns)
    const params: unknown[] = []
    for (const row of rows) for (const name of names) params.push(row[name] ?? null)
    return params
  },

  claimLimit(): string {
    return '?'
  },

  pickedBy(select: string): string {
    return `in (${select})`
  },

  inList(): string {
    return 'in (select value from json_each(?))'
  },

  listParameter(values: readonly string[]): unknown {
    return JSON.stringify(values)
  },

  claimReturnsRelated: false,

  async withMigrationLock(db: Kysely<any>, migrate: (tx: Kysely<any>) => Promise<void>): Promise<void> {
    // BEGIN IMMEDIATE takes the write lock up front (waiting up to busy_timeout for another
    // process), so two processes never both read "not migrated yet" and then both migrate.
    await db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn)
      try {
        await migrate(conn)
        await sql`commit`.execute(conn)
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined)
        throw error
      }
    })
  },
})
