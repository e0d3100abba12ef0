import { StorageUnavailableError } from '../../src/core/errors.js'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createRelay, postgresStorage, type Relay } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { POSTGRES_URL } from '../support/urls.js'

// Backends are terminated by application_name, so only this spec's own connections are cut.
const applicationName = `hookrelay_conn_loss_${randomBytes(4).toString('hex')}`

describe.skipIf(!inject('postgresAvailable')).each(['a pool handed in', 'a connection string'] as const)(
  'a Postgres connection dropped under load, storage from %s',
  (source) => {
    let admin: pg.Pool
    let receiver: TestReceiver
    let relay: Relay
    let userPool: pg.Pool
    const schema = `t_loss_${randomBytes(4).toString('hex')}`

    beforeAll(async () => {
      admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 })
      receiver = await startReceiver()
      const url = new URL(POSTGRES_URL)
      url.searchParams.set('application_name', applicationName)
      // A pool the user hands in: its checked-out clients must be guarded too.
      userPool = new pg.Pool({ connectionString: url.toString(), max: 6 })
      userPool.on('error', () => undefined)
      const storage =
        source === 'a pool handed in'
          ? postgresStorage({ pool: userPool, schema })
          : postgresStorage({ connectionString: url.toString(), schema, max: 6 })
      relay = createRelay({
        storage,
        network: { allowPrivate: true },
        // A claim whose answer is cut leaves its rows leased: a short lease brings them back soon.
        delivery: { pollInterval: '50ms', concurrency: 16, timeout: '1s', lease: '3s' },
        retry: { schedule: ['10ms'], jitter: 0 },
      })
      relay.on('error', () => undefined) // failed claims and settles are reported here, then retried
      await relay.start()
      await relay.endpoints.create({ url: receiver.url })
    })

    afterAll(async () => {
      await relay?.stop()
      await userPool?.end()
      await admin?.query(`drop schema if exists "${schema}" cascade`)
      await admin?.end()
      await receiver?.close()
    })

    it('fails only the operations in flight and loses nothing, never crashing the process', { timeout: 60_000 }, async () => {
      const uncaught: unknown[] = []
      const onUncaught = (error: unknown) => uncaught.push(error)
      process.on('uncaughtException', onUncaught)
      // Connections are cut in rounds, until a cut has hit at least one send() and some rounds
      // have passed, then no more: a fresh connection's first send (connect, then plan) can take
      // longer than the gap between rounds on a loaded machine, so cutting for ever would starve
      // the sends rather than test them. Between rounds the pool reconnects and work goes on.
      let terminated = 0
      let rounds = 0
      let failedSends = 0
      let sendsLeft = true
      const killer = (async () => {
        while (sendsLeft && (rounds < 8 || failedSends === 0)) {
          const result = await admin.query(
            'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1',
            [applicationName],
          )
          terminated += result.rowCount ?? 0
          rounds += 1
          await new Promise((resolve) => setTimeout(resolve, 10 + (rounds % 5) * 15))
        }
      })()

      // A caller retries a failed send with the same idempotency key, as the docs advise: a send
      // whose COMMIT was cut may or may not have landed, and the key makes the retry safe.
      // At least 150 sends, and more until a cut has hit one (whether one does within the first
      // 150 is a matter of timing); a bound keeps a broken fault from looping for ever.
      const least = 150
      const most = 5_000
      let next = 0
      const messageIds = new Set<string>()
      try {
        await Promise.all(
          Array.from({ length: 6 }, async () => {
            while (next < least || (failedSends === 0 && next < most)) {
              const i = next++
              for (;;) {
                try {
                  const sent = await relay.send({ type: 'order.created', data: { i }, idempotencyKey: `k${i}` })
                  messageIds.add(sent.messageId)
                  break
                } catch (error) {
                  // Only a lost connection is worth retrying; anything else (a stopped relay after a
                  // timeout) ends the lane instead of spinning on rejected promises for ever.
                  if (!(error instanceof StorageUnavailableError)) throw error
                  failedSends += 1
                  await new Promise((resolve) => setTimeout(resolve, 1))
                }
              }
            }
          }),
        )
      } finally {
        sendsLeft = false
        await killer
      }
      expect(terminated).toBeGreaterThan(0)
      expect(failedSends).toBeGreaterThan(0) // the fault really hit sends
      expect(messageIds.size).toBe(next)

      await eventually(() => {
        const delivered = new Set(receiver.requests.map((r) => r.headers['webhook-id']))
        expect([...messageIds].filter((id) => !delivered.has(id))).toEqual([])
      }, 40_000)
      process.off('uncaughtException', onUncaught)
      expect(uncaught.map((e) => (e instanceof Error ? `${e.message}\n${e.stack}` : String(e)))).toEqual([])
    })
  },
)
