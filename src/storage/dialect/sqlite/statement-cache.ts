import type { SqliteDatabase, SqliteStatement } from 'kysely'

/** Bounds of {@link withStatementCache}. */
export interface StatementCacheLimits {
  /** Most statements kept. @default 200 */
  maxStatements?: number
  /**
   * Most SQL text kept, in UTF-16 code units summed over the statements: a prepared statement's
   * memory grows with its text, and one multi-row insert of 500 rows is tens of kilobytes.
   * @default 1 MiB
   */
  maxSqlLength?: number
}

/** A better-sqlite3 database whose `prepare` reuses statements, and what its cache holds. */
export interface CachingSqliteDatabase extends SqliteDatabase {
  readonly cached: { readonly statements: number; readonly sqlLength: number }
}

/**
 * Wraps a better-sqlite3 database so Kysely reuses prepared statements. Kysely's SQLite driver
 * prepares every query afresh; on the claim and settle hot path, where the same few statements
 * run thousands of times a second, preparing costs more than running them. Least recently used
 * out, bounded both in statements and in text: statements of varied sizes (an `IN` list, a
 * multi-row insert per row count) would otherwise keep up to 200 large programs alive.
 * A statement longer than a quarter of the text budget is not kept at all.
 */
export function withStatementCache(database: SqliteDatabase, limits: StatementCacheLimits = {}): CachingSqliteDatabase {
  const maxStatements = limits.maxStatements ?? 200
  const maxSqlLength = limits.maxSqlLength ?? 1024 * 1024
  const cache = new Map<string, SqliteStatement>()
  let sqlLength = 0
  return {
    close: () => database.close(),
    get cached() {
      return { statements: cache.size, sqlLength }
    },
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql)
      if (statement) {
        // Re-insert to mark it most recently used.
        cache.delete(sql)
        cache.set(sql, statement)
        return statement
      }
      statement = database.prepare(sql)
      if (sql.length > maxSqlLength / 4) return statement
      while (cache.size > 0 && (cache.size >= maxStatements || sqlLength + sql.length > maxSqlLength)) {
        const oldest = cache.keys().next().value!
        cache.delete(oldest)
        sqlLength -= oldest.length
      }
      cache.set(sql, statement)
      sqlLength += sql.length
      return statement
    },
  }
}
