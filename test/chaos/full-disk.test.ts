import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest'
import { createRelay, sqliteStorage, type Relay, type RelayErrorEvent } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { readLedger, reconcile } from './support/ledger.js'
import { reportFigures } from './support/services.js'
import { mountSmallTmpfs, type SmallTmpfs } from './support/small-tmpfs.js'

const scenario = 'full disk [SQLite on a 2 MiB tmpfs]'
const BALLAST_BYTES = 256 * 1024
const DATA = 'x'.repeat(2_000)

describe(scenario, () => {
  let disk: SmallTmpfs | undefined
  let mountProblem: string | undefined
  let receiver: TestReceiver
  let relay: Relay | undefined
  const errors: RelayErrorEvent[] = []
  const accepted = new Set<string>()
  const sendErrors: Error[] = []
  let resumedInPlace = false

  const warnings: string[] = []
  const onWarning = (warning: Error & { code?: string }) => {
    if (warning.code === 'HOOKRELAY_SQLITE_CHECKPOINT') warnings.push(warning.message)
  }

  beforeAll(async () => {
    process.on('warning', onWarning)
    receiver = await startReceiver()
    try {
      disk = await mountSmallTmpfs('2m')
    } catch (error) {
      mountProblem = error instanceof Error ? error.message : String(error)
    }
  })
  afterAll(async () => {
    process.off('warning', onWarning)
    await relay?.stop().catch(() => undefined)
    await receiver?.close()
    await disk?.unmount()
  })

  const needDisk = (ctx: TestContext): SmallTmpfs => {
    if (disk) return disk
    const line = `chaos scenario "${scenario}" cannot run: mounting a tmpfs failed (${mountProblem}); it needs root.`
    if (process.env.CI === 'true') throw new Error(`${line} CI=true requires every fault scenario to run.`)
    console.warn(`\n${'!'.repeat(78)}\n!! ${line}\n!! It is SKIPPED.\n${'!'.repeat(78)}\n`)
    ctx.skip()
    throw new Error('unreachable')
  }

  it('refuses sends once the disk is full, carries on once there is room again, and loses nothing it accepted', { timeout: 120_000 }, async (ctx) => {
    const disk = needDisk(ctx)
    const { dir } = disk
    const ballast = join(dir, 'ballast')
    await writeFile(ballast, Buffer.alloc(BALLAST_BYTES))
    const filename = join(dir, 'relay.db')
    relay = createRelay({
      storage: sqliteStorage({ filename }),
      network: { allowPrivate: true },
      delivery: { timeout: '1s', lease: '2s', pollInterval: '50ms' },
      retry: { schedule: ['50ms', '50ms', '50ms', '50ms', '50ms'], jitter: 0 },
    })
    relay.on('error', (event) => errors.push(event))
    await relay.start()
    await relay.endpoints.create({ url: receiver.url })

    // Fill the disk: send until sends fail, then try a few more (each must fail cleanly, not crash).
    let i = 0
    while (sendErrors.length < 20 && i < 5_000) {
      try {
        accepted.add((await relay.send({ type: 'order.created', data: { i, fill: DATA } })).messageId)
      } catch (error) {
        sendErrors.push(error as Error)
      }
      i++
    }
    expect(sendErrors.length).toBe(20)
    const acceptedWhileFull = accepted.size
    // The background checkpointer keeps retrying a full disk (with a growing pause), never gives up.
    // Free some space. The running relay is given 20 sends to resume (asserted below).
    await rm(ballast)
    const probe: boolean[] = []
    for (let n = 0; n < 20; n++) {
      try {
        accepted.add((await relay.send({ type: 'order.created', data: { probe: n } })).messageId)
        probe.push(true)
      } catch {
        probe.push(false)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    resumedInPlace = probe.slice(-10).every(Boolean)

    // The operator makes room (the volume grows to 16 MiB): the same relay takes sends again.
    await disk.grow('16m')
    await eventually(async () => {
      accepted.add((await relay!.send({ type: 'order.created', data: { grown: true } })).messageId)
    }, 30_000, 100)
    for (let n = 0; n < 10; n++) accepted.add((await relay.send({ type: 'order.created', data: { after: n } })).messageId)

    await eventually(async () => {
      expect((await relay!.deliveries.list({ status: ['pending', 'delivering'], limit: 1 })).data).toEqual([])
    }, 60_000, 200)
    const ledger = await readLedger(relay)
    const result = reconcile(accepted, ledger, receiver.requests.map((r) => r.headers['webhook-id'] as string | undefined))
    reportFigures(scenario, {
      ...result,
      lost: result.lost.length,
      notTerminal: result.notTerminal.length,
      acceptedBeforeFull: acceptedWhileFull,
      refusedSends: sendErrors.length,
      resumedInPlace,
      sendErrors: [...new Set(sendErrors.map((e) => `${(e as { code?: string }).code ?? e.name}: ${e.message}`))],
      errorContexts: [...new Set(errors.map((e) => e.context))],
      errorEvents: errors.length,
      checkpointWarnings: warnings,
    })
    expect(acceptedWhileFull).toBeGreaterThan(0)
    expect(result.lost).toEqual([])
    expect(result.notTerminal).toEqual([])
    expect(ledger.deliveries.filter((d) => d.status !== 'succeeded')).toEqual([])
    expect(result.succeededWithout2xx).toEqual([])
    expect(result.overLogged).toEqual([])
    // A settle the full disk refused sends that delivery again once its lease ends; never more.
    expect(result.maxCopies).toBeLessThanOrEqual(3)
    // Every accepted message is still there.
    for (const id of accepted) expect((await relay.messages.get(id)).id).toBe(id)
    await relay.stop()
    relay = undefined
    const db = new Database(filename, { readonly: true })
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    } finally {
      db.close()
    }
  })

  // TODO(issue 13, reliability suite): the background checkpointer now retries a full disk instead
  // of giving up (src/storage/dialect/sqlite/sqlite-checkpointer.ts), yet within a second of the ballast being
  // removed the same relay still refuses sends: it takes them again only once the volume grows.
  // Not yet understood. Drop `.fails` once sends resume in place.
  it.fails('takes sends again in the same process once space is freed', (ctx) => {
    needDisk(ctx)
    expect(resumedInPlace).toBe(true)
  })

  // TODO(issue 13, item 11): a full disk's SQLITE_FULL is replaced by Kysely's failed ROLLBACK
  // ("cannot rollback - no transaction is active"). Drop `.fails` once the original error is kept.
  it('says the disk is full when it refuses a send', (ctx) => {
    needDisk(ctx)
    expect(sendErrors.length).toBeGreaterThan(0)
    for (const error of sendErrors) {
      expect(error.message).toMatch(/full|SQLITE_FULL|disk/i)
      expect(error.message).not.toMatch(/cannot rollback/i)
    }
  })
})

