import { existsSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBackgroundCheckpoints } from '../../src/storage/dialect/sqlite/sqlite-checkpointer.js'
import { sqliteStorage } from '../../src/storage/dialect/sqlite/sqlite-storage.js'
import { eventually } from '../support/eventually.js'

async function pragma(db: Kysely<any>, name: string): Promise<Record<string, unknown>> {
  return (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(db)).rows[0]!
}

describe('sqliteStorage() WAL checkpoints', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookrelay-checkpoints-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('checkpoints a file it opens from a worker thread, not inside commits, and removes the WAL on close', async () => {
    const filename = join(dir, 'background.db')
    const storage = sqliteStorage({ filename })
    await storage.migrate()
    expect(await pragma(storage.db, 'wal_autocheckpoint')).toEqual({ wal_autocheckpoint: 0 })
    // After a checkpoint starts the log over, the next commit truncates the file to 64 MiB.
    expect(await pragma(storage.db, 'journal_size_limit')).toEqual({ journal_size_limit: 64 * 1024 * 1024 })
    await sql`create table filler (x text)`.execute(storage.db)
    for (let i = 0; i < 200; i++) await sql`insert into filler values (${'x'.repeat(4000)})`.execute(storage.db)
    // In WAL mode the database file only grows when a checkpoint copies the log into it, and the
    // main connection never checkpoints now: the worker did.
    expect(statSync(filename).size).toBeLessThan(200 * 4000)
    await eventually(() => expect(statSync(filename).size).toBeGreaterThan(200 * 4000), 5_000)
    await storage.close()
    expect(existsSync(`${filename}-wal`)).toBe(false)
    const reopened = new Database(filename, { readonly: true })
    expect(reopened.prepare('select count(*) as n from filler').get()).toEqual({ n: 200 })
    reopened.close()
  })

  it('starts the log over under a steady stream of writes, so it stays bounded', async () => {
    const filename = join(dir, 'steady.db')
    const database = new Database(filename)
    database.pragma('journal_mode = WAL')
    database.exec('create table filler (x text)')
    const checkpoints = startBackgroundCheckpoints(database, { filename, intervalMs: 20, maxWalBytes: 256 * 1024, synchronous: 'NORMAL' })
    const insert = database.prepare('insert into filler values (?)')
    // Small commits every few ms, never pausing long enough for a passive checkpoint to catch up.
    // The WAL file only ever grows while the log is never started over: every commit appends its
    // pages. Once the worker restarts it, the next writes reuse the file from its start, so a whole
    // megabyte of writes leaves the file as long as it was. The spec writes megabyte after megabyte
    // until that happens, measured in bytes written, not in time: on a busy machine where the
    // checkpointing thread runs late it only takes more megabytes. Without restarts it never does.
    const writeOneMegabyte = async () => {
      for (let written = 0; written < 1024 * 1024; written += 16 * 4000) {
        for (let i = 0; i < 16; i++) insert.run('x'.repeat(4000))
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
    }
    await writeOneMegabyte()
    const sizes = [statSync(`${filename}-wal`).size]
    let grew = true
    for (let phase = 0; phase < 64 && grew; phase++) {
      await writeOneMegabyte()
      sizes.push(statSync(`${filename}-wal`).size)
      grew = sizes.at(-1)! > sizes.at(-2)!
    }
    expect(checkpoints.mode).toBe('background')
    expect(grew, `WAL sizes after each megabyte: ${sizes.join(', ')}`).toBe(false)
    await checkpoints.close()
    database.close()
  })

  it("leaves checkpoints to SQLite with checkpoint: 'auto', in memory, and on a database handed in", async () => {
    const auto = sqliteStorage({ filename: join(dir, 'auto.db'), checkpoint: 'auto' })
    const memory = sqliteStorage({ filename: ':memory:' })
    const own = new Database(join(dir, 'own.db'))
    own.pragma('journal_mode = WAL')
    const handedIn = sqliteStorage({ database: own })
    for (const storage of [auto, memory, handedIn]) {
      expect(await pragma(storage.db, 'wal_autocheckpoint')).toEqual({ wal_autocheckpoint: 1000 })
      await storage.close()
    }
    own.close()
  })

  it("runs background checkpoints on a WAL database handed in when asked, and leaves it open on close", async () => {
    const own = new Database(join(dir, 'own-background.db'))
    own.pragma('journal_mode = WAL')
    const storage = sqliteStorage({ database: own, checkpoint: 'background' })
    await storage.migrate()
    expect(own.pragma('wal_autocheckpoint', { simple: true })).toBe(0)
    await storage.close()
    expect(own.open).toBe(true)
    own.close()
  })

  it('falls back to automatic checkpoints, with a warning, when the worker fails', async () => {
    const filename = join(dir, 'fallback.db')
    const database = new Database(filename)
    database.pragma('journal_mode = WAL')
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      // The worker opens the file with fileMustExist: a path that does not exist makes it fail.
      const checkpoints = startBackgroundCheckpoints(database, {
        filename: join(dir, 'missing', 'nothing.db'),
        intervalMs: 1_000,
        maxWalBytes: 1 << 20,
        synchronous: 'NORMAL',
      })
      await eventually(() => expect(checkpoints.mode).toBe('auto'), 5_000)
      expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(1000)
      await eventually(() => expect(warnings.map((w) => w.message).join('\n')).toMatch(/background WAL checkpoints .* stopped/))
      await checkpoints.close()
    } finally {
      process.off('warning', onWarning)
      database.close()
    }
  })
})
