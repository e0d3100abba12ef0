import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Kysely } from 'kysely'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, describe, inject } from 'vitest'
import type { KyselyStorage } from '../../src/storage/kysely/kysely-storage.js'
import { postgresStorage } from '../../src/storage/dialect/postgres/postgres-storage.js'
import { sqliteStorage } from '../../src/storage/dialect/sqlite/sqlite-storage.js'
import { mysqlStorage } from '../../src/storage/dialect/mysql/mysql-storage.js'
import { MYSQL_URL, POSTGRES_URL } from './urls.js'

/** A service a target needs; the suites skip the target when it is down (and fail under CI=true). */
export type TestService = 'postgres' | 'redis' | 'mysql'

/**
 * One way of running hookrelay's storage in tests. The list below is the matrix every storage
 * suite runs against; a later dimension (a queue driver, e.g. `'postgres+redis'`) adds entries
 * with more `requires` and whatever extra it needs, without changing the suites.
 */
export interface StorageTarget {
  /** Shown in test names. */
  readonly name: string
  readonly dialect: 'sqlite' | 'postgres' | 'mysql'
  readonly requires: readonly TestService[]
  /** Opens an isolated database for one test file: a temp SQLite file, a fresh Postgres schema or MySQL database. */
  open(): Promise<StorageEnvironment>
}

export interface StorageEnvironment {
  readonly target: StorageTarget
  /** Postgres: the schema of this environment; SQLite: the file; MySQL: the database's URL. */
  readonly location: string
  /**
   * A new storage on this environment's database (not migrated). Storages with different
   * prefixes are isolated from each other. `teardown()` closes it.
   */
  createStorage(options?: { tablePrefix?: string }): KyselyStorage
  /** A new storage with a unique table prefix, migrated: an empty database for one test. */
  freshStorage(): Promise<KyselyStorage>
  /**
   * `db` pointed at this environment's tables: on Postgres with the environment's schema, on
   * SQLite unchanged. Use it on `storage.db` to read hookrelay's tables directly in assertions.
   */
  inSchema<T extends Kysely<any>>(db: T): T
  /** The real names of the tables in this environment (read with a separate connection). */
  listTables(): Promise<string[]>
  /** The real names of the indexes in this environment. */
  listIndexes(): Promise<string[]>
  /** Closes every storage created here and deletes the database (file or schema). */
  teardown(): Promise<void>
}

function randomSuffix(): string {
  return randomBytes(5).toString('hex')
}

/** Tracks storages so teardown closes them all. */
function storageRegistry(create: (tablePrefix?: string) => KyselyStorage) {
  const storages: KyselyStorage[] = []
  let fresh = 0
  return {
    create(options?: { tablePrefix?: string }): KyselyStorage {
      const storage = create(options?.tablePrefix)
      storages.push(storage)
      return storage
    },
    async fresh(): Promise<KyselyStorage> {
      fresh += 1
      const storage = create(`f${fresh}_${randomSuffix()}_`)
      storages.push(storage)
      await storage.migrate()
      return storage
    },
    async closeAll(): Promise<void> {
      await Promise.all(storages.map((s) => s.close()))
    },
  }
}

export const sqliteTarget: StorageTarget = {
  name: 'sqlite',
  dialect: 'sqlite',
  requires: [],
  async open() {
    const dir = await mkdtemp(join(tmpdir(), 'hookrelay-test-'))
    const filename = join(dir, 'test.db')
    const registry = storageRegistry((tablePrefix) =>
      sqliteStorage(tablePrefix === undefined ? { filename } : { filename, tablePrefix }),
    )
    const read = <T>(query: string): T[] => {
      const db = new Database(filename, { readonly: true, fileMustExist: true })
      try {
        return db.prepare(query).all() as T[]
      } finally {
        db.close()
      }
    }
    return {
      target: sqliteTarget,
      location: filename,
      createStorage: registry.create,
      freshStorage: registry.fresh,
      inSchema: (db) => db,
      async listTables() {
        return read<{ name: string }>("select name from sqlite_master where type = 'table' order by name").map((r) => r.name)
      },
      async listIndexes() {
        return read<{ name: string }>(
          "select name from sqlite_master where type = 'index' and name not like 'sqlite_autoindex_%' order by name",
        ).map((r) => r.name)
      },
      async teardown() {
        await registry.closeAll()
        await rm(dir, { recursive: true, force: true })
      },
    }
  },
}

export const postgresTarget: StorageTarget = {
  name: 'postgres',
  dialect: 'postgres',
  requires: ['postgres'],
  async open() {
    const schema = `t_${randomSuffix()}`
    const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 })
    const registry = storageRegistry((tablePrefix) =>
      postgresStorage(
        tablePrefix === undefined
          ? { connectionString: POSTGRES_URL, schema }
          : { connectionString: POSTGRES_URL, schema, tablePrefix },
      ),
    )
    return {
      target: postgresTarget,
      location: schema,
      createStorage: registry.create,
      freshStorage: registry.fresh,
      inSchema: <T extends Kysely<any>>(db: T) => db.withSchema(schema) as T,
      async listTables() {
        const result = await admin.query<{ table_name: string }>(
          'select table_name from information_schema.tables where table_schema = $1 order by table_name',
          [schema],
        )
        return result.rows.map((r) => r.table_name)
      },
      async listIndexes() {
        const result = await admin.query<{ indexname: string }>(
          'select indexname from pg_indexes where schemaname = $1 order by indexname',
          [schema],
        )
        return result.rows.map((r) => r.indexname)
      },
      async teardown() {
        await registry.closeAll()
        await admin.query(`drop schema if exists "${schema}" cascade`)
        await admin.end()
      },
    }
  },
}

/** `MYSQL_URL` pointed at another database. */
export function mysqlUrl(database: string): string {
  const url = new URL(MYSQL_URL)
  url.pathname = `/${database}`
  return url.toString()
}

export const mysqlTarget: StorageTarget = {
  name: 'mysql',
  dialect: 'mysql',
  requires: ['mysql'],
  async open() {
    // A database of its own per test file, created here and dropped at teardown.
    const database = `t_${randomSuffix()}`
    const admin = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 })
    await admin.query(`create database \`${database}\` character set utf8mb4`)
    const url = mysqlUrl(database)
    const registry = storageRegistry((tablePrefix) =>
      mysqlStorage(tablePrefix === undefined ? { connectionString: url } : { connectionString: url, tablePrefix }),
    )
    return {
      target: mysqlTarget,
      location: url,
      createStorage: registry.create,
      freshStorage: registry.fresh,
      inSchema: (db) => db,
      async listTables() {
        const [rows] = await admin.query(
          'select table_name as name from information_schema.tables where table_schema = ? order by table_name',
          [database],
        )
        return (rows as { name: string }[]).map((r) => r.name)
      },
      async listIndexes() {
        const [rows] = await admin.query(
          "select distinct index_name as name from information_schema.statistics where table_schema = ? and index_name <> 'PRIMARY' order by index_name",
          [database],
        )
        return (rows as { name: string }[]).map((r) => r.name)
      },
      async teardown() {
        await registry.closeAll()
        await admin.query(`drop database if exists \`${database}\``)
        await admin.end()
      },
    }
  },
}

/** Every storage target, in the order the suites run them. */
export const storageTargets: readonly StorageTarget[] = [sqliteTarget, postgresTarget, mysqlTarget]

/** True when every service `target` needs is reachable (as found by test/support/global-setup.ts). */
export function isAvailable(target: Pick<StorageTarget, 'requires'>): boolean {
  return target.requires.every((service) =>
    service === 'postgres' ? inject('postgresAvailable') : service === 'mysql' ? inject('mysqlAvailable') : inject('redisAvailable'),
  )
}

/** What a suite body gets: its environment and a migrated default storage, both ready in `beforeAll`. */
export interface StorageSuiteContext {
  readonly target: StorageTarget
  /** The environment of this file and target (valid inside tests and hooks). */
  env(): StorageEnvironment
  /** A migrated storage with the default prefix, shared by the tests of the suite. */
  storage(): KyselyStorage
}

/**
 * Runs `body` once per storage target, each in its own isolated database, skipping the targets
 * whose services are down. The suites are specifications every storage must meet.
 */
export function describeEachStorage(
  title: string,
  body: (context: StorageSuiteContext) => void,
  targets: readonly StorageTarget[] = storageTargets,
): void {
  for (const target of targets) {
    describe.skipIf(!isAvailable(target))(`${title} [${target.name}]`, () => {
      let env: StorageEnvironment | undefined
      let storage: KyselyStorage | undefined
      beforeAll(async () => {
        env = await target.open()
        storage = env.createStorage()
        await storage.migrate()
      })
      afterAll(async () => {
        await env?.teardown()
      })
      body({
        target,
        env: () => {
          if (!env) throw new Error('the storage environment is not open yet (use it inside tests or hooks)')
          return env
        },
        storage: () => {
          if (!storage) throw new Error('the storage is not ready yet (use it inside tests or hooks)')
          return storage
        },
      })
    })
  }
}

/**
 * The targets of the relay-level specs (sending, receiving, operating through a whole relay):
 * SQLite and Postgres. MySQL meets the same storage contract (test/contract/, every target) and
 * runs a few relay-level specs of its own (endpoint lifecycle, send, due work); running every
 * relay-level spec on it too added a third to `npm test` without testing another storage path.
 */
export const relayTargets: readonly StorageTarget[] = [sqliteTarget, postgresTarget]
