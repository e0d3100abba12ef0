import pg from 'pg'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createRelay, redisQueue, sqliteStorage, type Relay } from '../../src/index.js'
import { deleteKeys } from '../fleet/support/redis-keys.js'
import type { LiveFrame } from '../../src/dashboard/live-feed.js'
import { decodeFleetFrame, encodeFleetFrame } from '../../src/dashboard/fleet/fleet-frame.js'
import { MAX_LIVE_PAYLOAD_BYTES } from '../../src/dashboard/fleet/live-channel.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { describeEachStorage, postgresTarget } from '../support/storages.js'
import { POSTGRES_URL, REDIS_URL } from '../support/urls.js'
import { ensureUiBuilt, mounts, readFrames, type MountedDashboard } from './support/dashboard-app.js'

describeEachStorage(
  'fleet-wide live feed',
  (ctx) => {
    // Two processes of one app on the same tables: a worker, and a web process that only serves the dashboard.
    let worker: Relay
    let web: Relay
    let dashboard: MountedDashboard
    let receiver: TestReceiver
    const observer = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 })
    const prefix = `fleet_${Math.random().toString(36).slice(2, 8)}_`

    beforeAll(async () => {
      ensureUiBuilt()
      receiver = await startReceiver(() => ({ status: 200 }))
      const make = () =>
        createRelay({
          storage: ctx.env().createStorage({ tablePrefix: prefix }),
          network: { allowPrivate: true },
          delivery: { pollInterval: '50ms' },
          retry: { schedule: [], jitter: 0 },
        })
      worker = make()
      web = make()
      await worker.start()
      await web.start({ workers: false })
      dashboard = await mounts.node(web, { authorize: 'none' })
    })
    afterAll(async () => {
      await dashboard?.close()
      await web?.stop()
      await worker?.stop()
      await receiver?.close()
      await observer.end()
    })

    it("shows the worker's deliveries in the SSE of a dashboard whose process runs no workers", async () => {
      const endpoint = await web.endpoints.create({ url: receiver.url })
      const abort = new AbortController()
      const stream = await fetch(`${dashboard.url}api/events`, { signal: abort.signal })
      expect(stream.status).toBe(200)
      // The dashboard LISTENs once a viewer is connected; wait for its LISTEN before anything is published.
      await eventually(async () => {
        const { rows } = await observer.query<{ n: string }>(`select count(*) as n from pg_stat_activity where query like 'LISTEN "hookrelay_live_%'`)
        expect(Number(rows[0]!.n)).toBeGreaterThan(0)
      })
      const { messageId } = await web.send({ type: 'fleet.order', data: { n: 1 }, endpointIds: [endpoint.id] })
      const frame = await readFrames<LiveFrame>(stream, (f) =>
        f.events.some((e) => e.name === 'delivery.succeeded' && e.data.messageId === messageId),
      )
      expect(frame.counts.succeeded).toBeGreaterThanOrEqual(1)
      // The web process delivered nothing itself: the success came over the channel from the worker.
      expect(receiver.requests.filter((r) => r.headers['webhook-id'] === messageId)).toHaveLength(1)
      abort.abort()
    })
  },
  [postgresTarget],
)

describe.skipIf(!inject('redisAvailable'))('fleet-wide live feed over Redis (SQLite + redisQueue)', () => {
  // The same two processes on one SQLite file, sharing Redis: the worker PUBLISHes, the web process SUBSCRIBEs.
  let worker: Relay
  let web: Relay
  let dashboard: MountedDashboard
  let receiver: TestReceiver
  let dir: string
  const keyPrefix = `hrtest_live_${Math.random().toString(36).slice(2, 8)}:`

  beforeAll(async () => {
    ensureUiBuilt()
    dir = await mkdtemp(join(tmpdir(), 'hookrelay-live-redis-'))
    receiver = await startReceiver(() => ({ status: 200 }))
    const make = () =>
      createRelay({
        storage: sqliteStorage({ filename: join(dir, 'relay.db') }),
        queue: redisQueue({ redis: REDIS_URL, keyPrefix }),
        network: { allowPrivate: true },
        delivery: { pollInterval: '50ms' },
        retry: { schedule: [], jitter: 0 },
      })
    worker = make()
    await worker.start()
    web = make()
    await web.start({ workers: false })
    dashboard = await mounts.node(web, { authorize: 'none' })
  })
  afterAll(async () => {
    await dashboard?.close()
    await web?.stop()
    await worker?.stop()
    await receiver?.close()
    await deleteKeys(REDIS_URL, keyPrefix)
    await rm(dir, { recursive: true, force: true })
  })

  it("shows the worker's deliveries in the SSE of a dashboard whose process runs no workers", async () => {
    const endpoint = await web.endpoints.create({ url: receiver.url })
    const abort = new AbortController()
    const stream = await fetch(`${dashboard.url}api/events`, { signal: abort.signal })
    expect(stream.status).toBe(200)
    // Sends until one of them shows up: the dashboard subscribes once a viewer is connected, and a
    // frame published before its SUBSCRIBE is answered reaches nobody (pub/sub keeps nothing).
    const sent = new Set<string>()
    const sending = setInterval(() => {
      void web.send({ type: 'fleet.order', data: { n: sent.size }, endpointIds: [endpoint.id] }).then((r) => sent.add(r.messageId), () => undefined)
    }, 200)
    try {
      const frame = await readFrames<LiveFrame>(stream, (f) =>
        f.events.some((e) => e.name === 'delivery.succeeded' && sent.has(String(e.data.messageId))),
      )
      // The web process runs no workers, so a success in its feed came over Redis from the worker.
      expect(frame.counts.succeeded).toBeGreaterThanOrEqual(1)
    } finally {
      clearInterval(sending)
      abort.abort()
    }
  })
})

it('encodes a frame under the NOTIFY limit whatever the events, keeping every count', () => {
  const events = Array.from({ length: 500 }, (_, i) => ({ name: 'delivery.failed' as const, at: i, data: { error: 'x'.repeat(500), deliveryId: `dlv_${i}` } }))
  const counts = { created: 0, succeeded: 20_000, failed: 500, deferred: 0, dead: 3, inboundAccepted: 0, inboundProcessed: 0, inboundFailed: 0, inboundDead: 0, inboundRejected: 0, errors: 0 }
  const payload = encodeFleetFrame('origin-1', { at: 1, intervalMs: 250, counts, events, dropped: 10, circuits: { ep_1: 'open' } })
  expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_LIVE_PAYLOAD_BYTES)
  const decoded = decodeFleetFrame(payload)!
  expect(decoded.c).toEqual({ succeeded: 20_000, failed: 500, dead: 3 })
  expect(decoded.ci).toEqual({ ep_1: 'open' })
  expect(decoded.e.length + decoded.d).toBe(510)
  expect(decoded.e.every((e) => String(e.data.error).length <= 200)).toBe(true)
  expect(decodeFleetFrame('{"v":2}')).toBeNull()
  expect(decodeFleetFrame('not json')).toBeNull()
})
