import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, HookrelayError, postgresStorage, type Relay, type RelayErrorEvent } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { readLedger, reconcile } from './support/ledger.js'
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres.js'
import { canRun, reportFigures } from './support/services.js'

const scenario = 'Postgres restarts and terminated backends [private instance]'
const TOTAL = 300
const LANES = 6
const APPLICATION = 'hookrelay_chaos'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!canRun(scenario, { tools: ['initdb', 'pg_ctl'] }))(scenario, () => {
  let server: PrivatePostgres
  let receiver: TestReceiver
  let relay: Relay | undefined
  let admin: pg.Pool | undefined
  const failedSends: unknown[] = []

  beforeAll(async () => {
    server = await startPrivatePostgres()
    receiver = await startReceiver()
  })
  afterAll(async () => {
    await relay?.stop()
    await admin?.end()
    await receiver?.close()
    await server?.close()
  })

  it('survives a restart, a crash-restart and backends terminated in a loop during sends and deliveries: no crash, nothing lost', { timeout: 150_000 }, async () => {
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    process.on('unhandledRejection', onUncaught)
    try {
      relay = createRelay({
        storage: postgresStorage({ connectionString: `${server.url}?application_name=${APPLICATION}`, max: 6 }),
        network: { allowPrivate: true },
        // A claim or settle cut by the fault leaves its rows leased: a short lease brings them back soon.
        delivery: { pollInterval: '50ms', concurrency: 16, timeout: '1s', lease: '3s' },
        retry: { schedule: ['10ms', '10ms', '10ms', '10ms', '10ms'], jitter: 0 },
      })
      const errors: RelayErrorEvent[] = []
      relay.on('error', (event) => errors.push(event))
      await relay.start()
      await relay.endpoints.create({ url: receiver.url })

      // Callers retry a failed send with the same idempotency key, as the docs advise.
      const messageIds = new Set<string>()
      const successTimes: number[] = []
      const sendErrors = new Map<string, number>()
      let unclear = 0
      const lanes = Promise.all(
        Array.from({ length: LANES }, async (_, lane) => {
          for (let i = lane; i < TOTAL; i += LANES) {
            for (;;) {
              try {
                const sent = await relay!.send({ type: 'order.created', data: { i }, idempotencyKey: `k${i}` })
                messageIds.add(sent.messageId)
                successTimes.push(performance.now())
                break
              } catch (error) {
                failedSends.push(error)
                if (!(error instanceof Error) || error.message === '') unclear += 1
                const text = error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error)
                sendErrors.set(text, (sendErrors.get(text) ?? 0) + 1)
                await sleep(20)
              }
            }
          }
        }),
      )
      const progress = async (count: number) => {
        while (messageIds.size < count) await sleep(10)
      }

      // Faults are placed by progress (messages accepted), never by time.
      await progress(TOTAL / 6)
      await server.restart('fast')
      const afterFast = performance.now()
      await progress((2 * TOTAL) / 6)
      await server.restart('immediate') // a crash: the server runs recovery on start
      const afterCrash = performance.now()

      admin = new pg.Pool({ connectionString: server.url, max: 1 })
      admin.on('error', () => undefined)
      let terminated = 0
      let terminating = true
      // Rounds of terminations while sends go on, each cutting every connection the relay holds; at
      // least five rounds, so that sends finishing first still leave the workers' connections to cut.
      let rounds = 0
      const killer = (async () => {
        while (rounds++ < 5 || (terminating && messageIds.size < (5 * TOTAL) / 6)) {
          const result = await admin!.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [APPLICATION])
          terminated += result.rowCount ?? 0
          await sleep(150)
        }
      })()
      try {
        await lanes
      } finally {
        terminating = false
        await killer
      }
      await eventually(async () => {
        expect((await relay!.deliveries.list({ status: ['pending', 'delivering'], limit: 1 })).data).toEqual([])
      }, 60_000, 200)

      const ledger = await readLedger(relay)
      const result = reconcile(messageIds, ledger, receiver.requests.map((r) => r.headers['webhook-id'] as string | undefined))
      const resumedMs = (after: number) => Math.round(Math.min(...successTimes.filter((t) => t > after)) - after)
      const errorContexts = [...new Set(errors.map((e) => e.context))]
      reportFigures(scenario, {
        ...result,
        lost: result.lost.length,
        notTerminal: result.notTerminal.length,
        terminatedBackends: terminated,
        failedSends: [...sendErrors.values()].reduce((a, b) => a + b, 0),
        sendErrors: Object.fromEntries(sendErrors),
        resumedAfterRestartMs: resumedMs(afterFast),
        resumedAfterCrashMs: resumedMs(afterCrash),
        errorEvents: errors.length,
        errorContexts,
      })
      expect(uncaught.map((e) => (e instanceof Error ? `${e.message}\n${e.stack}` : String(e)))).toEqual([])
      expect(terminated).toBeGreaterThan(0)
      expect(sendErrors.size).toBeGreaterThan(0) // the faults really hit sends
      expect(unclear).toBe(0)
      expect(messageIds.size).toBe(TOTAL)
      expect(result.lost).toEqual([])
      expect(result.notTerminal).toEqual([])
      expect(ledger.deliveries.filter((d) => d.status !== 'succeeded')).toEqual([])
      expect(ledger.deliveries).toHaveLength(TOTAL)
      expect(result.succeededWithout2xx).toEqual([])
      expect(result.overLogged).toEqual([])
      // Redeliveries come only from settlements the faults cut: bounded by them, not by the load.
      expect(result.duplicates).toBeLessThanOrEqual(TOTAL / 10)
    } finally {
      process.off('uncaughtException', onUncaught)
      process.off('unhandledRejection', onUncaught)
    }
  })

  // Issue 13, item 0: "fails that operation with a retryable error", not the raw pg error.
  it('fails a send cut by a lost connection with a typed hookrelay error', () => {
    expect(failedSends.length).toBeGreaterThan(0)
    for (const error of failedSends) expect(error).toBeInstanceOf(HookrelayError)
  })
})
