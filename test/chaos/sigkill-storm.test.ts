import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { mysqlTarget, postgresTarget, sqliteTarget, type StorageEnvironment } from '../support/storages.js'
import { POSTGRES_URL } from '../support/urls.js'
import { readLedger, reconcile } from './support/ledger.js'
import { canRun, reportFigures } from './support/services.js'
import { spawnWorker, type WorkerProcess } from './support/worker-process.js'

const TOTAL = 1_000
const KILLS = 5
// Must match storm-worker.ts: attempts in flight, and outcomes a worker may hold unwritten.
const CONCURRENCY = 16

for (const target of [sqliteTarget, postgresTarget, mysqlTarget]) {
  const scenario = `SIGKILL storm [${target.name}]`
  describe.skipIf(!canRun(scenario, { postgres: target.dialect === 'postgres', mysql: target.dialect === 'mysql' }))(scenario, () => {
    let env: StorageEnvironment
    let receiver: TestReceiver
    let producer: Relay | undefined
    const workers: WorkerProcess[] = []

    beforeAll(async () => {
      env = await target.open()
      // A short wait per answer keeps attempts in flight when a worker is killed.
      receiver = await startReceiver(() => ({ status: 200, delayMs: 10 }))
    })
    afterAll(async () => {
      for (const worker of workers) await worker.kill()
      await producer?.stop()
      await receiver?.close()
      await env?.teardown()
    })

    it(`delivers all ${TOTAL} messages through ${KILLS} SIGKILLs of the worker, with bounded duplicates`, { timeout: 150_000 }, async () => {
      const tablePrefix = `storm_${randomBytes(3).toString('hex')}_`
      producer = createRelay({ storage: env.createStorage({ tablePrefix }), network: { allowPrivate: true } })
      await producer.start({ workers: false })
      const endpoint = await producer.endpoints.create({ url: receiver.url })
      const sentIds = new Set<string>()
      const sendBatch = async (from: number, count: number) => {
        const results = await producer!.sendMany(Array.from({ length: count }, (_, i) => ({ type: 'order.created', data: { i: from + i } })))
        for (const result of results) sentIds.add(result.messageId)
      }
      // Half is waiting when the first worker starts; the other half is sent during the storm.
      for (let i = 0; i < TOTAL / 2; i += 100) await sendBatch(i, 100)

      const spec =
        target.dialect === 'sqlite'
          ? { kind: 'sqlite', filename: env.location, tablePrefix }
          : target.dialect === 'mysql'
            ? { kind: 'mysql', connectionString: env.location, tablePrefix }
            : { kind: 'postgres', connectionString: POSTGRES_URL, schema: env.location, tablePrefix }
      const startupsMs: number[] = []
      const started = performance.now()
      const startWorker = async () => {
        const t0 = performance.now()
        const worker = spawnWorker('storm-worker.ts', { HOOKRELAY_CHAOS_STORAGE: JSON.stringify(spec) })
        workers.push(worker)
        await worker.ready
        startupsMs.push(Math.round(performance.now() - t0))
        return worker
      }
      let worker = await startWorker()
      const producing = (async () => {
        for (let i = TOTAL / 2; i < TOTAL; i += 50) await sendBatch(i, 50)
      })()
      const signals: (NodeJS.Signals | null)[] = []
      for (let kill = 1; kill <= KILLS; kill++) {
        // Kill points are set by progress (requests received), never by time.
        await receiver.waitFor(Math.round((kill * TOTAL) / (KILLS + 1)), 90_000)
        signals.push(await worker.kill())
        worker = await startWorker()
      }
      await producing
      await eventually(
        async () => expect((await producer!.deliveries.list({ status: ['pending', 'delivering'], limit: 1 })).data).toEqual([]),
        90_000,
        200,
      )
      const elapsedMs = Math.round(performance.now() - started)
      await worker.stop()

      const ledger = await readLedger(producer)
      const result = reconcile(sentIds, ledger, receiver.requests.map((r) => r.headers['webhook-id'] as string | undefined))
      reportFigures(scenario, { ...result, lost: result.lost.length, kills: signals.length, elapsedMs, startupsMs, notTerminal: result.notTerminal.length })
      expect(signals).toEqual(Array(KILLS).fill('SIGKILL'))
      expect(result.sent).toBe(TOTAL)
      expect(result.lost).toEqual([])
      expect(result.notTerminal).toEqual([])
      expect(ledger.deliveries.filter((d) => d.status !== 'succeeded')).toEqual([])
      expect(result.succeededWithout2xx).toEqual([])
      expect(result.overLogged).toEqual([])
      // Only what a killed worker had sent without its outcome written is sent again: outcomes not
      // yet written (claiming pauses at CONCURRENCY of them) plus what it held then, in flight and
      // claimed one batch ahead (batchSize = CONCURRENCY here), which still goes out: 3 × CONCURRENCY.
      expect(result.duplicates).toBeLessThanOrEqual(KILLS * 3 * CONCURRENCY)
      expect(result.unlogged).toBeLessThanOrEqual(KILLS * 3 * CONCURRENCY)
      // Each delivery logged exactly one success, whatever was lost with the killed workers.
      const successes = new Map<string, number>()
      for (const a of ledger.attempts) if (a.outcome === 'succeeded') successes.set(a.deliveryId, (successes.get(a.deliveryId) ?? 0) + 1)
      expect([...successes.values()].filter((n) => n !== 1)).toEqual([])
      expect(successes.size).toBe(TOTAL)
      // A redelivery is the same webhook: same id, same bytes, a valid fresh signature.
      const bodies = new Map<string, string>()
      const verifier = new Webhook(endpoint.secret)
      for (const request of receiver.requests) {
        const id = request.headers['webhook-id'] as string
        expect(bodies.get(id) ?? request.body).toBe(request.body)
        bodies.set(id, request.body)
        verifier.verify(request.body, request.headers as Record<string, string>)
      }
    })
  })
}
