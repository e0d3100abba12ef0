import type { SqliteDatabase, SqliteStatement } from 'kysely'

/**
 * Wraps a better-sqlite3 database so Kysely reuses prepared statements. Kysely's SQLite driver
 * prepares every query afresh; on the claim and settle hot path, where the same few statements
 * run thousands of times a second, preparing costs more than running them. Bounded, oldest out.
 */
export function withStatementCache(database: SqliteDatabase, size = 200): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql)
      if (statement) {
        // Re-insert to mark it most recently used.
        cache.delete(sql)
      } else {
        statement = database.prepare(sql)
        if (cache.size >= size) cache.delete(cache.keys().next().value!)
      }
      cache.set(sql, statement)
      return statement
    },
  }
}
