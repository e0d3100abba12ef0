import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, expect, it } from 'vitest'
import { createRelay, sqliteStorage, type Relay } from '../../src/index.js'

let relay: Relay | undefined
let dir: string | undefined
afterEach(async () => {
  await relay?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
  relay = dir = undefined
})

// A full disk, made real by capping the database's pages: SQLite rolls the transaction back by
// itself, so the ROLLBACK that follows fails; the caller must still learn the disk is full.
it('reports a full disk as the storage error, not as the failed ROLLBACK that follows, and keeps what was accepted', async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookrelay-full-'))
  const database = new Database(join(dir, 'full.db'))
  relay = createRelay({ storage: sqliteStorage({ database }), network: { allowPrivate: true } })
  await relay.migrate()
  await relay.endpoints.create({ url: 'http://127.0.0.1:9/hook' })
  database.pragma(`max_page_count = ${(database.pragma('page_count', { simple: true }) as number) + 5}`)

  const accepted: string[] = []
  let failure: unknown
  for (let i = 0; i < 50 && failure === undefined; i++) {
    await relay.send({ type: 'order.created', data: { i, blob: 'x'.repeat(20_000) } }).then(
      (sent) => void accepted.push(sent.messageId),
      (error: unknown) => void (failure = error),
    )
  }
  expect(failure).toMatchObject({ code: 'SQLITE_FULL', message: expect.stringMatching(/disk is full/) })
  // Where a ROLLBACK failed too, its error rides along; it never replaces the storage's own.
  expect(String((failure as Error).message)).not.toMatch(/cannot rollback/)
  const many = await relay.sendMany([1, 2, 3].map((i) => ({ type: 'order.created', data: { i, blob: 'y'.repeat(20_000) } }))).catch((e: unknown) => e)
  expect(many).toMatchObject({ code: 'SQLITE_FULL' })

  // Room again: the relay carries on, and every message accepted before is still there.
  database.pragma('max_page_count = 1073741823')
  accepted.push((await relay.send({ type: 'order.created', data: { after: true } })).messageId)
  for (const id of accepted) expect((await relay.messages.get(id)).id).toBe(id)
})
