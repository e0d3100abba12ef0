import { afterEach, expect, it } from 'vitest'
import { createRelay, sqliteStorage, type DeliveryFailedEvent, type Relay } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'

let relay: Relay | undefined
let receiver: TestReceiver | undefined

afterEach(async () => {
  await relay?.stop()
  await receiver?.close()
})

it('schedules the retry of each message by its event type, the endpoint before the type before the default', async () => {
  receiver = await startReceiver(() => ({ status: 500 }))
  // The clock stands still: every first attempt is at T0, and no retry comes due during the spec.
  const T0 = Date.parse('2026-03-01T00:00:00Z')
  relay = createRelay({
    storage: sqliteStorage({ filename: ':memory:' }),
    network: { allowPrivate: true },
    now: () => T0,
    delivery: { pollInterval: '50ms' },
    circuitBreaker: { enabled: false },
    retry: { schedule: ['1m'], byType: { 'invoice.paid': ['2m'], 'invoice.*': ['3m'] }, jitter: 0 },
    logger: false,
  })
  const failed: DeliveryFailedEvent[] = []
  relay.on('delivery.failed', (event) => failed.push(event))
  await relay.start()
  const plain = await relay.endpoints.create({ url: `${receiver.url}/plain` })
  const ownSchedule = await relay.endpoints.create({ url: `${receiver.url}/own`, retry: { schedule: ['4m'] } })
  const ownByType = await relay.endpoints.create({
    url: `${receiver.url}/own-by-type`,
    retry: { schedule: ['4m'], byType: { 'invoice.paid': ['5m'] } },
  })
  expect(await relay.endpoints.get(ownByType.id)).toMatchObject({ retrySchedule: [240_000], retryByType: { 'invoice.paid': [300_000] } })

  for (const type of ['order.created', 'invoice.paid', 'invoice.voided']) await relay.send({ type, data: {} })
  await eventually(() => expect(failed).toHaveLength(9), 20_000)

  const minutes = (endpointId: string, type: string) =>
    failed.filter((e) => e.endpointId === endpointId && e.type === type).map((e) => (e.nextAttemptAt.getTime() - T0) / 60_000)
  // The relay's default, its schedule for the type, its schedule for the wildcard.
  expect([minutes(plain.id, 'order.created'), minutes(plain.id, 'invoice.paid'), minutes(plain.id, 'invoice.voided')]).toEqual([[1], [2], [3]])
  // An endpoint's own schedule beats the relay's schedules by type.
  expect([minutes(ownSchedule.id, 'order.created'), minutes(ownSchedule.id, 'invoice.paid'), minutes(ownSchedule.id, 'invoice.voided')]).toEqual([
    [4],
    [4],
    [4],
  ])
  // And an endpoint's schedule for the type beats its own schedule.
  expect([minutes(ownByType.id, 'order.created'), minutes(ownByType.id, 'invoice.paid'), minutes(ownByType.id, 'invoice.voided')]).toEqual([
    [4],
    [5],
    [4],
  ])
})
