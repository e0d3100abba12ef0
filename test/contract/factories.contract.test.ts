import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { MissingDependencyError, ValidationError } from '../../src/core/errors.js'
import { loadOptionalPeer } from '../../src/storage/load-peer.js'
import { postgresStorage } from '../../src/storage/dialect/postgres/postgres-storage.js'
import { sqliteStorage } from '../../src/storage/dialect/sqlite/sqlite-storage.js'
import { POSTGRES_URL } from '../support/urls.js'
import { anEndpoint } from './fixtures.js'

async function readPragma(db: Kysely<any>, name: string): Promise<unknown> {
  const result = await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(db)
  return Object.values(result.rows[0]!)[0]
}

describe('sqliteStorage()', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookrelay-factory-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('opens its file in WAL mode with synchronous NORMAL, foreign keys on and a 5s busy timeout', async () => {
    const filename = join(dir, 'defaults.db')
    const storage = sqliteStorage({ filename })
    await storage.migrate()
    const pragma = (name: string) => readPragma(storage.db, name)
    expect(await pragma('journal_mode')).toBe('wal')
    expect(await pragma('synchronous')).toBe(1) // NORMAL
    expect(await pragma('foreign_keys')).toBe(1)
    expect(await pragma('busy_timeout')).toBe(5000)
    await storage.close()
  })

  it('uses synchronous FULL and a custom busy timeout when asked', async () => {
    const storage = sqliteStorage({ filename: join(dir, 'full.db'), synchronous: 'full', busyTimeout: '2s' })
    const rows = (name: string) => readPragma(storage.db, name)
    expect(await rows('synchronous')).toBe(2) // FULL
    expect(await rows('busy_timeout')).toBe(2000)
    await storage.close()
  })

  it('runs on a database handed in, and close() leaves it open', async () => {
    const database = new Database(join(dir, 'app.db'))
    const storage = sqliteStorage({ database, tablePrefix: 'wh_' })
    await storage.migrate()
    const endpoint = anEndpoint()
    await storage.insertEndpoint(endpoint)
    await storage.close()
    expect(database.open).toBe(true)
    expect(database.prepare('select count(*) as n from wh_endpoints').get()).toEqual({ n: 1 })
    expect(database.pragma('foreign_keys', { simple: true })).toBe(1)
    database.close()
  })

  it('closes the database it opened, once, however often close() is called', async () => {
    const storage = sqliteStorage({ filename: join(dir, 'close.db') })
    await storage.migrate()
    expect(existsSync(join(dir, 'close.db-wal'))).toBe(true)
    await Promise.all([storage.close(), storage.close()])
    await storage.close()
    // SQLite removes the write-ahead log when the last connection closes cleanly.
    expect(existsSync(join(dir, 'close.db-wal'))).toBe(false)
    await expect(storage.getEndpoint('ep_x')).rejects.toThrow()
  })

  it('works on an in-memory database', async () => {
    const storage = sqliteStorage({ filename: ':memory:' })
    await storage.migrate()
    const endpoint = anEndpoint()
    await storage.insertEndpoint(endpoint)
    expect(await storage.getEndpoint(endpoint.id)).toEqual(endpoint)
    await storage.close()
  })

  it('refuses both filename and database', () => {
    expect(() => sqliteStorage({ filename: ':memory:', database: { prepare() {}, close() {} } as never })).toThrow(
      /either filename or database/,
    )
  })

  it('refuses a database that is not a better-sqlite3 Database', () => {
    expect(() => sqliteStorage({ database: {} as never })).toThrow(/better-sqlite3 Database/)
  })

  it('refuses a table prefix that is not a plain identifier', () => {
    expect(() => sqliteStorage({ filename: ':memory:', tablePrefix: 'bad-prefix;' })).toThrow(ValidationError)
  })

  it('refuses an unknown synchronous setting, a bad busyTimeout and unknown options', () => {
    expect(() => sqliteStorage({ filename: ':memory:', synchronous: 'off' as never })).toThrow(ValidationError)
    expect(() => sqliteStorage({ filename: ':memory:', busyTimeout: 'soon' })).toThrow(/busyTimeout/)
    expect(() => sqliteStorage({ filname: 'x.db' } as never)).toThrow(ValidationError)
  })
})

describe('postgresStorage() options', () => {
  const pool = { connect: async () => ({}), end: async () => {} } as never

  it('asks for exactly one of connectionString, pool or db', () => {
    expect(() => postgresStorage({})).toThrow(/one of connectionString, pool or db/)
    expect(() => postgresStorage({ connectionString: POSTGRES_URL, pool })).toThrow(/only one of connectionString, pool or db/)
    expect(() => postgresStorage({ pool: {} as never })).toThrow(/pg.Pool/)
    expect(() => postgresStorage({ db: {} as never })).toThrow(/Kysely/)
  })

  it('refuses max without connectionString, bad identifiers and unknown options', () => {
    expect(() => postgresStorage({ pool, max: 5 })).toThrow(/max only applies/)
    expect(() => postgresStorage({ pool, tablePrefix: '1x' })).toThrow(ValidationError)
    expect(() => postgresStorage({ pool, schema: 'a"b' })).toThrow(/schema/)
    expect(() => postgresStorage({ connectionString: POSTGRES_URL, shema: 'x' } as never)).toThrow(ValidationError)
  })
})

describe.skipIf(!inject('postgresAvailable'))('postgresStorage() with what the application hands in', () => {
  const schema = `t_factory_${Math.random().toString(36).slice(2, 8)}`
  let pool: pg.Pool
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 3 })
  })
  afterAll(async () => {
    await pool.query(`drop schema if exists "${schema}" cascade`)
    await pool.end()
  })

  it('runs on a pg.Pool handed in, and close() does not end it', async () => {
    const storage = postgresStorage({ pool, schema })
    await storage.migrate()
    const endpoint = anEndpoint()
    await storage.insertEndpoint(endpoint)
    expect(await storage.getEndpoint(endpoint.id)).toEqual(endpoint)
    await storage.close()
    expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }])
  })

  it('runs on a Kysely handed in, ignoring its plugins, and close() does not destroy it', async () => {
    const db = new Kysely<any>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: POSTGRES_URL, max: 2 }) }),
      plugins: [new CamelCasePlugin()],
    })
    const storage = postgresStorage({ db, schema, tablePrefix: 'k_' })
    await storage.migrate()
    const endpoint = anEndpoint({ failingSince: new Date(5) })
    await storage.insertEndpoint(endpoint)
    expect(await storage.getEndpoint(endpoint.id)).toEqual(endpoint)
    expect(storage.db).toBe(db)
    await storage.close()
    expect(await db.withSchema(schema).selectFrom('k_endpoints').select('failingSince').execute()).toEqual([
      { failingSince: '5' },
    ])
    await db.destroy()
  })
})

describe('optional peer dependencies', () => {
  it('throws MissingDependencyError naming the package to install', () => {
    expect(() => loadOptionalPeer('hookrelay-surely-not-installed', 'thisFeature()')).toThrow(MissingDependencyError)
    expect(() => loadOptionalPeer('hookrelay-surely-not-installed', 'thisFeature()')).toThrow(
      /thisFeature\(\) needs the "hookrelay-surely-not-installed" package.*npm install hookrelay-surely-not-installed/,
    )
  })

  it('loads an installed peer', () => {
    expect(typeof loadOptionalPeer<{ Pool: unknown }>('pg', 'test').Pool).toBe('function')
  })
})
