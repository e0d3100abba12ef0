import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createRelay, postgresStorage, type Relay } from '../../src/index.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { postgresTarget, type StorageEnvironment } from '../support/storages.js'
import { POSTGRES_URL } from '../support/urls.js'
import { spawnFixture, type FixtureProcess } from './support/processes.js'

describe.skipIf(!inject('postgresAvailable'))('Postgres LISTEN/NOTIFY wakes workers in other processes', () => {
  let env: StorageEnvironment
  let receiver: TestReceiver
  let worker: FixtureProcess
  let producer: Relay
  const tablePrefix = `nt_${randomBytes(3).toString('hex')}_`

  beforeAll(async () => {
    env = await postgresTarget.open()
    receiver = await startReceiver()
    producer = createRelay({
      storage: postgresStorage({ connectionString: POSTGRES_URL, schema: env.location, tablePrefix }),
      network: { allowPrivate: true },
    })
    await producer.start({ workers: false })
    // Polling every 30 s: a delivery within a second can only come from a wake-up.
    worker = spawnFixture('notify-worker.ts', {
      HOOKRELAY_NOTIFY: JSON.stringify({ connectionString: POSTGRES_URL, schema: env.location, tablePrefix, pollInterval: '30s' }),
    })
    await worker.waitForLine((l) => l === 'ready')
  })
  afterAll(async () => {
    await worker?.stop()
    await producer?.stop()
    await receiver?.close()
    await env?.teardown()
  })

  it('delivers a send() committed in another process within a second, with a 30 s poll interval', async () => {
    await producer.endpoints.create({ url: `${receiver.url}?send` })
    for (let i = 0; i < 3; i++) {
      const before = receiver.requests.length
      const started = Date.now()
      await producer.send({ type: 'order.created', data: { i } })
      const [request] = (await receiver.waitFor(before + 1, 5_000)).slice(before)
      expect(request!.at - started).toBeLessThan(1_000)
    }
  })

  it('wakes them for an outbox send when the caller’s transaction commits, and never for one rolled back', async () => {
    const db = env.inSchema(producer.storage.db)
    const before = receiver.requests.length
    await db
      .transaction()
      .execute(async (tx) => {
        await producer.send({ type: 'order.created', data: { outbox: 'rolled back' } }, { transaction: tx })
        throw new Error('roll back')
      })
      .catch(() => undefined)
    await new Promise((r) => setTimeout(r, 500))
    expect(receiver.requests.length).toBe(before)

    const started = Date.now()
    await db.transaction().execute((tx) => producer.send({ type: 'order.created', data: { outbox: 'committed' } }, { transaction: tx }))
    const [request] = (await receiver.waitFor(before + 1, 5_000)).slice(before)
    expect(request!.at - started).toBeLessThan(1_000)
    expect(JSON.parse(request!.body).data).toEqual({ outbox: 'committed' })
    await new Promise((r) => setTimeout(r, 300))
    expect(receiver.requests.length).toBe(before + 1)
  })
})
