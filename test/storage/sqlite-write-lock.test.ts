import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { createRelay, sqliteStorage, type Relay } from '../../src/index.js'

const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3')

/**
 * Another process (the checkpoint worker's RESTART, a second process of the app, the CLI) holding
 * the write lock for `ms`: resolves once it holds it, with a promise of its release.
 */
async function holdWriteLock(filename: string, ms: number): Promise<{ released: Promise<void> }> {
  const source = `
    const db = new (require(${JSON.stringify(betterSqlite3)}))(${JSON.stringify(filename)})
    db.prepare('begin immediate').run()
    console.log('locked')
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms})
    db.prepare('commit').run()
    db.close()`
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] })
  const released = new Promise<void>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`)))))
  await new Promise<void>((resolve) => createInterface({ input: child.stdout }).once('line', () => resolve()))
  return { released }
}

describe('SQLite write transactions while another connection holds the write lock', () => {
  let dir = ''
  let relay: Relay | undefined
  afterEach(async () => {
    await relay?.stop()
    relay = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  /** A started relay (workers off) on a new file, its storage, and the file's name. */
  async function open() {
    dir = mkdtempSync(join(tmpdir(), 'hookrelay-write-lock-'))
    const filename = join(dir, 'relay.db')
    const storage = sqliteStorage({ filename })
    const opened = createRelay({ storage })
    relay = opened
    await opened.start({ workers: false })
    return { relay: opened, storage, filename }
  }

  it('send() to explicit endpoints waits for the lock (busy_timeout) instead of failing with SQLITE_BUSY', async () => {
    // Such a send reads the endpoints before it writes. In a deferred transaction the read would
    // take a snapshot first, and SQLite refuses to upgrade it to a write while another connection
    // writes, at once and without waiting: the transaction starts IMMEDIATE instead.
    const { relay, filename } = await open()
    const endpoint = await relay.endpoints.create({ url: 'https://example.com/webhook' })

    const lock = await holdWriteLock(filename, 300)
    const sent = await relay.send({ type: 'order.created', data: { id: 'ord_1' }, endpointIds: [endpoint.id] })
    await lock.released
    expect((await relay.deliveries.list({ messageId: sent.messageId })).data.map((d) => d.endpointId)).toEqual([endpoint.id])
  })

  it('an outbox transaction on storage.db that reads before it sends waits for the lock too', async () => {
    const { relay, storage, filename } = await open()
    await relay.endpoints.create({ url: 'https://example.com/webhook' })

    const lock = await holdWriteLock(filename, 300)
    const sent = await storage.db.transaction().execute(async (tx) => {
      // The app's own read first (here: how many messages there are), then the send in the same transaction.
      const before = await sql<{ n: number }>`select count(*) as n from hookrelay_messages`.execute(tx)
      expect(before.rows[0]?.n).toBe(0)
      return relay.send({ type: 'order.created', data: { id: 'ord_2' } }, { transaction: tx })
    })
    await lock.released
    expect((await relay.deliveries.list({ messageId: sent.messageId })).data).toHaveLength(1)
  })
})
