import {
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely'
import type { OutboxConnection } from './outbox-connection.js'

/** Kysely's view of the caller's connection: statements run on it, inside the caller's transaction. */
class CallerConnection implements DatabaseConnection {
  readonly #connection: OutboxConnection

  constructor(connection: OutboxConnection) {
    this.#connection = connection
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const rows = await this.#connection.execute(query.sql, query.parameters)
    // The statements are hookrelay's own; their rows are what its code reads them as.
    return { rows: rows as R[] }
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming is not used on a caller\'s transaction.')
  }
}

/**
 * A driver with one connection, the caller's, already inside the caller's transaction: hookrelay
 * never begins, commits or rolls back on it (the caller does), and never releases it.
 */
class CallerDriver implements Driver {
  readonly #connection: CallerConnection

  constructor(connection: OutboxConnection) {
    this.#connection = new CallerConnection(connection)
  }

  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#connection
  }
  async beginTransaction(): Promise<void> {
    throw new Error('hookrelay does not open a transaction inside the caller\'s.')
  }
  async commitTransaction(): Promise<void> {
    throw new Error('The caller commits its own transaction.')
  }
  async rollbackTransaction(): Promise<void> {
    throw new Error('The caller rolls back its own transaction.')
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

/** A Kysely on the caller's connection, for the storage's queries in the caller's transaction. */
export function kyselyOn(connection: OutboxConnection, database: 'postgres' | 'sqlite'): Kysely<any> {
  const dialect: Dialect =
    database === 'postgres'
      ? {
          createAdapter: () => new PostgresAdapter(),
          createDriver: () => new CallerDriver(connection),
          createQueryCompiler: () => new PostgresQueryCompiler(),
          createIntrospector: (db) => new PostgresIntrospector(db),
        }
      : {
          createAdapter: () => new SqliteAdapter(),
          createDriver: () => new CallerDriver(connection),
          createQueryCompiler: () => new SqliteQueryCompiler(),
          createIntrospector: (db) => new SqliteIntrospector(db),
        }
  return new Kysely<any>({ dialect })
}
