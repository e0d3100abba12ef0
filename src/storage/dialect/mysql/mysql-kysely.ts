import {
  MysqlDialect,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type MysqlDialectConfig,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'
import { MIGRATION_BEGIN, MIGRATION_END } from './mysql-migration-lock.js'

/**
 * The errors of a step a crashed migration had already made: a table (1050), column (1060),
 * index or key (1061), foreign key (1826) or row (1062) that exists, or an index already dropped
 * (1091).
 */
const ALREADY_DONE = new Set([1050, 1060, 1061, 1062, 1091, 1826])

/**
 * Kysely's `MysqlDialect`, whose connections, while they run a migration (between the statements
 * `withMysqlMigrationLock` marks), take "already exists" errors as success: MySQL's DDL is not
 * transactional, so re-running a migration a crash interrupted must pass over what it did.
 */
export class MysqlMigratingDialect implements Dialect {
  readonly #inner: MysqlDialect

  constructor(config: MysqlDialectConfig) {
    this.#inner = new MysqlDialect(config)
  }

  createDriver(): Driver {
    return new MigratingDriver(this.#inner.createDriver())
  }

  createQueryCompiler(): QueryCompiler {
    return this.#inner.createQueryCompiler()
  }

  createAdapter(): ReturnType<Dialect['createAdapter']> {
    return this.#inner.createAdapter()
  }

  createIntrospector(db: Parameters<Dialect['createIntrospector']>[0]): ReturnType<Dialect['createIntrospector']> {
    return this.#inner.createIntrospector(db)
  }
}

class MigratingConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection
  #migrating = false

  constructor(inner: DatabaseConnection) {
    this.inner = inner
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (query.sql.endsWith(MIGRATION_BEGIN)) this.#migrating = true
    try {
      return await this.inner.executeQuery<R>(query)
    } catch (error) {
      if (this.#migrating && ALREADY_DONE.has(Number((error as { errno?: unknown }).errno))) return { rows: [] }
      throw error
    } finally {
      if (query.sql.endsWith(MIGRATION_END)) this.#migrating = false
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize)
  }
}

/** Kysely's MySQL driver, handing out `MigratingConnection`s (one per pooled connection). */
class MigratingDriver implements Driver {
  readonly #inner: Driver
  readonly #wrapped = new WeakMap<DatabaseConnection, MigratingConnection>()

  constructor(inner: Driver) {
    this.#inner = inner
  }

  init(): Promise<void> {
    return this.#inner.init()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#inner.acquireConnection()
    let wrapped = this.#wrapped.get(connection)
    if (!wrapped) this.#wrapped.set(connection, (wrapped = new MigratingConnection(connection)))
    return wrapped
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(unwrap(connection), settings)
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(unwrap(connection))
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(unwrap(connection))
  }

  savepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    return this.#inner.savepoint!(unwrap(connection), name, compile)
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    return this.#inner.rollbackToSavepoint!(unwrap(connection), name, compile)
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    return this.#inner.releaseSavepoint!(unwrap(connection), name, compile)
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(unwrap(connection))
  }

  destroy(): Promise<void> {
    return this.#inner.destroy()
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof MigratingConnection ? connection.inner : connection
}
