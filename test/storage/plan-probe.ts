import Database from 'better-sqlite3'
import { Kysely, PostgresDialect } from 'kysely'
import mysql from 'mysql2'
import pg from 'pg'
import type { KyselyStorage } from '../../src/storage/kysely/kysely-storage.js'
import { postgresStorage } from '../../src/storage/dialect/postgres/postgres-storage.js'
import { sqliteStorage, type BetterSqlite3DatabaseLike } from '../../src/storage/dialect/sqlite/sqlite-storage.js'
import { mysqlStorage, type MysqlPoolLike } from '../../src/storage/dialect/mysql/mysql-storage.js'
import type { StorageEnvironment } from '../support/storages.js'
import { POSTGRES_URL } from '../support/urls.js'

/** A statement as the storage ran it: its text and parameters, exactly. */
export interface RanStatement {
  readonly sql: string
  readonly parameters: readonly unknown[]
}

/** The tables whose size grows with history: a hot statement must never scan them. */
export const HISTORY_TABLES = ['deliveries', 'attempts', 'messages', 'inbound_messages'] as const

/**
 * A storage whose statements are recorded as they run (SQLite: a wrapped better-sqlite3 database;
 * Postgres: Kysely's `log`), with a way to ask the database how it plans each one. The statements
 * are the storage's own, compiled the way it compiles them; nothing is copied by hand.
 */
export interface PlanProbe {
  readonly storage: KyselyStorage
  /** The storage's real name of a logical table, schema-qualified and quoted as SQL needs it. */
  table(name: string): string
  /** Runs `work` and returns the data-reading or -writing statements it ran. */
  record(work: () => Promise<unknown>): Promise<RanStatement[]>
  /** Runs SQL of the test's own (seeding, ANALYZE), not recorded. */
  exec(sql: string): Promise<void>
  /**
   * The reasons `statement`'s plan reads more than its answer: a full scan of a history table and,
   * for an `ordered` walk (a claim: oldest due first, up to a limit), a sort of rows read from one,
   * which means reading every due row to keep a few. Empty if none. With `smallSorts` (Postgres),
   * a sort the planner expects to hold at most `SMALL_SORT_ROWS` rows is not reported. A `keyed`
   * statement reads rows chosen by id (a claim by ids): every history table must be read through
   * its primary key, since walking any other index (even the claim index, bounded by the backlog)
   * reads the whole backlog to find a few ids.
   */
  problems(statement: RanStatement, options?: ProblemOptions): Promise<string[]>
  close(): Promise<void>
}

export interface ProblemOptions {
  readonly ordered?: boolean
  readonly smallSorts?: boolean
  readonly keyed?: boolean
}

const STATEMENT = /^\s*(select|insert|update|delete|with)\b/i

export async function openPlanProbe(env: StorageEnvironment, tablePrefix: string): Promise<PlanProbe> {
  if (env.target.dialect === 'mysql') return mysqlProbe(env, tablePrefix)
  return env.target.dialect === 'sqlite' ? sqliteProbe(env, tablePrefix) : postgresProbe(env, tablePrefix)
}

function sqliteProbe(env: StorageEnvironment, tablePrefix: string): PlanProbe {
  const database = new Database(env.location)
  let recorded: RanStatement[] | undefined
  const storage = sqliteStorage({ database: recordingDatabase(database, (statement) => recorded?.push(statement)), tablePrefix })
  const guarded = HISTORY_TABLES.map((t) => tablePrefix + t)
  return {
    storage,
    table: (name) => `"${tablePrefix}${name}"`,
    async record(work) {
      recorded = []
      try {
        await work()
        return recorded.filter((s) => STATEMENT.test(s.sql))
      } finally {
        recorded = undefined
      }
    },
    async exec(sql) {
      database.exec(sql)
    },
    async problems(statement, options) {
      const plan = database.prepare(`explain query plan ${statement.sql}`).all(...bindable(statement.parameters)) as { detail: string }[]
      const names = namesOfGuardedTables(statement.sql, guarded)
      const found: string[] = []
      for (const { detail } of plan) {
        const search = /^(?:SCAN|SEARCH) (\S+)(.*)$/.exec(detail)
        if (options?.keyed && search && names.has(search[1]!) && !/USING (?:PRIMARY KEY|(?:COVERING )?INDEX sqlite_autoindex_)/.test(search[2]!)) {
          found.push(`${detail} (not by primary key)`)
        }
        const scan = /^SCAN (\S+)(.*)$/.exec(detail)
        if (scan && names.has(scan[1]!)) {
          // Walking a partial index of unfinished work is bounded by the backlog, not by history.
          const index = /USING (?:COVERING )?INDEX (\S+)/.exec(scan[2]!)?.[1]
          if (!index || !/_(claim|unfinished)_idx$/.test(index)) found.push(detail)
        }
        if (options?.ordered && /USE TEMP B-TREE FOR ORDER BY/.test(detail)) found.push(detail)
      }
      return found
    },
    async close() {
      await storage.close()
      database.close()
    },
  }
}

function postgresProbe(env: StorageEnvironment, tablePrefix: string): PlanProbe {
  const schema = env.location
  let recorded: RanStatement[] | undefined
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 3 })
  pool.on('error', () => undefined)
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool }),
    log(event) {
      if (event.level === 'query') recorded?.push({ sql: event.query.sql, parameters: event.query.parameters })
    },
  })
  const storage = postgresStorage({ db, schema, tablePrefix })
  const guarded = new Set<string>(HISTORY_TABLES.map((t) => tablePrefix + t))
  return {
    storage,
    table: (name) => `"${schema}"."${tablePrefix}${name}"`,
    async record(work) {
      recorded = []
      try {
        await work()
        return recorded.filter((s) => STATEMENT.test(s.sql))
      } finally {
        recorded = undefined
      }
    },
    async exec(sql) {
      await pool.query(sql)
    },
    async problems(statement, options) {
      const result = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `explain (format json) ${statement.sql}`,
        [...statement.parameters],
      )
      const found: string[] = []
      const visit = (node: PlanNode, underSort: boolean) => {
        const relation = node['Relation Name']
        const index = node['Index Name']
        if (options?.keyed && index !== undefined && !index.endsWith('_pkey') && [...guarded].some((t) => index.startsWith(`${t}_`))) {
          found.push(`${node['Node Type']} on ${index} (not by primary key)`)
        }
        if (relation !== undefined && guarded.has(relation)) {
          if (node['Node Type'] === 'Seq Scan') found.push(`Seq Scan on ${relation}`)
          if (underSort && options?.ordered) found.push(`Sort of rows read from ${relation}`)
        }
        const small = options?.smallSorts === true && (node['Plan Rows'] ?? Number.POSITIVE_INFINITY) <= SMALL_SORT_ROWS
        const sorts = node['Node Type'] === 'Sort' && !small
        for (const child of node.Plans ?? []) visit(child, underSort || sorts)
      }
      visit(result.rows[0]!['QUERY PLAN'][0].Plan, false)
      return found
    },
    async close() {
      await storage.close()
      await db.destroy()
    },
  }
}

/**
 * MySQL/MariaDB: statements recorded at the mysql2 pool (each connection's `query`), plans read
 * with `EXPLAIN FORMAT=JSON`: a full scan is `"access_type": "ALL"` (or a full index scan) of a
 * history table, a sort is a `filesort`.
 */
function mysqlProbe(env: StorageEnvironment, tablePrefix: string): PlanProbe {
  let recorded: RanStatement[] | undefined
  const pool = mysql.createPool({ uri: env.location, connectionLimit: 3 })
  const promisePool = pool.promise()
  const recording: MysqlPoolLike = {
    getConnection(callback) {
      pool.getConnection((error, connection) => {
        if (error || !connection) return callback(error, connection as never)
        const wrapped = new Proxy(connection, {
          get(target, property) {
            const value: unknown = Reflect.get(target, property, target)
            if (property === 'query') {
              return (sql: string, parameters: unknown[], cb: unknown) => {
                recorded?.push({ sql, parameters: parameters ?? [] })
                return (value as (...a: unknown[]) => unknown).call(target, sql, parameters, cb)
              }
            }
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
          },
        })
        callback(null, wrapped as never)
      })
    },
    end(callback) {
      callback(null)
    },
  }
  const storage = mysqlStorage({ pool: recording, tablePrefix })
  const guarded = HISTORY_TABLES.map((t) => tablePrefix + t)
  return {
    storage,
    table: (name) => `\`${tablePrefix}${name}\``,
    async record(work) {
      recorded = []
      try {
        await work()
        return recorded.filter((s) => STATEMENT.test(s.sql))
      } finally {
        recorded = undefined
      }
    },
    async exec(sql) {
      // `analyze` (as the suite says it for every database) is per table on MySQL.
      const text = sql === 'analyze' ? `analyze table ${[...guarded, `${tablePrefix}endpoints`].map((t) => `\`${t}\``).join(', ')}` : sql
      await promisePool.query(text)
    },
    async problems(statement, options) {
      const [rows] = await promisePool.query(`explain format=json ${statement.sql}`, [...statement.parameters])
      const plan = JSON.parse(Object.values((rows as Record<string, string>[])[0]!)[0]!) as unknown
      const names = namesOfGuardedTables(statement.sql, guarded)
      const found: string[] = []
      const visit = (node: unknown, underSort: boolean) => {
        if (Array.isArray(node)) return node.forEach((child) => visit(child, underSort))
        if (typeof node !== 'object' || node === null) return
        const record = node as Record<string, unknown>
        const sorting = underSort || 'filesort' in record || record.using_filesort === true
        const table = record.table_name
        if (typeof table === 'string' && names.has(table)) {
          const key = typeof record.key === 'string' ? record.key : ''
          if (record.access_type === 'ALL') found.push(`full scan of ${table}`)
          if (options?.keyed && key !== 'PRIMARY') found.push(`${table} read through ${key || 'no index'} (not by primary key)`)
          if (record.access_type === 'index' && !/_(claim|unfinished)_idx$/.test(key)) found.push(`full index scan of ${table} (${key})`)
          if (sorting && options?.ordered) found.push(`sort of rows read from ${table}`)
        }
        for (const child of Object.values(record)) visit(child, sorting)
      }
      visit(plan, false)
      return found
    },
    async close() {
      await storage.close()
      await promisePool.end()
    },
  }
}

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  /** The planner's estimate of the rows this node returns. */
  'Plan Rows'?: number
  Plans?: PlanNode[]
}

/**
 * With `smallSorts`, a sort the planner expects to hold at most this many rows is not a problem:
 * with statistics it sorts the 30 messages of a small tenant rather than walk an index for them,
 * and sorting a big tenant's is estimated as such and still reported. Only the search spec asks
 * for it: a claim must walk its index whatever the estimates.
 */
const SMALL_SORT_ROWS = 1_000

/** A better-sqlite3 database that reports every statement it runs, with its parameters. */
function recordingDatabase(database: Database.Database, record: (statement: RanStatement) => void): BetterSqlite3DatabaseLike {
  return {
    close: () => database.close(),
    prepare(sql: string) {
      const statement = database.prepare(sql)
      return new Proxy(statement, {
        get(target, property) {
          const value: unknown = Reflect.get(target, property, target)
          if (typeof value !== 'function') return value
          if (property === 'all' || property === 'run' || property === 'get' || property === 'iterate') {
            return (...args: unknown[]) => {
              record({ sql, parameters: Array.isArray(args[0]) ? args[0] : args })
              return (value as (...a: unknown[]) => unknown).apply(target, args)
            }
          }
          return (value as (...a: unknown[]) => unknown).bind(target)
        },
      })
    },
  }
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null. */
function bindable(parameters: readonly unknown[]): unknown[] {
  return parameters.map((p) => (typeof p === 'boolean' ? Number(p) : p === undefined ? null : p))
}

/** The names a statement gives the history tables: their own and their aliases (`"t" as d`). */
function namesOfGuardedTables(sql: string, guarded: readonly string[]): Set<string> {
  const names = new Set<string>(guarded)
  for (const match of sql.matchAll(/["`](\w+)["`]\s+as\s+["`]?(\w+)["`]?/gi)) {
    if (guarded.includes(match[1]!)) names.add(match[2]!)
  }
  return names
}
