import { afterEach, expect, it } from 'vitest'
import { createRelay, sqliteStorage, type Relay } from '../../src/index.js'
import { generateSecret, sign, verify } from '../../src/signing/index.js'

/**
 * The option types accept `undefined` where a property is optional (`secret: process.env.X` under
 * exactOptionalPropertyTypes); at run time an explicit `undefined` must mean what leaving it out means.
 */
let relay: Relay | undefined
afterEach(async () => {
  await relay?.stop()
  relay = undefined
})

it('treats an explicit undefined option as an option left out, from createRelay() to send() and lists', async () => {
  relay = createRelay({
    storage: sqliteStorage({ filename: ':memory:', busyTimeout: undefined, tablePrefix: undefined }),
    queue: undefined,
    signing: { scheme: undefined, headerName: undefined },
    retry: { schedule: undefined, jitter: undefined },
    delivery: { timeout: undefined, concurrency: undefined, lease: undefined },
    network: { allowPrivate: undefined },
    retention: undefined,
    logger: undefined,
    now: undefined,
  })
  await relay.migrate()
  const endpoint = await relay.endpoints.create({
    url: 'https://example.com/hook',
    description: undefined,
    tenant: undefined,
    eventTypes: undefined,
    secret: undefined,
    retry: undefined,
  })
  expect(endpoint).toMatchObject({ tenant: null, eventTypes: [] })
  expect(endpoint.secret).toMatch(/^whsec_/)

  const updated = await relay.endpoints.update(endpoint.id, { url: undefined, description: 'kept', eventTypes: undefined })
  expect(updated).toMatchObject({ url: 'https://example.com/hook', description: 'kept', eventTypes: [] })

  const sent = await relay.send({ type: 'order.created', data: { id: 1 }, tenant: undefined, idempotencyKey: undefined, channels: undefined }, { transaction: undefined })
  expect(sent.deliveryIds).toHaveLength(1)
  const page = await relay.deliveries.list({ endpointId: endpoint.id, status: undefined, cursor: undefined, since: undefined })
  expect(page.data.map((d) => d.id)).toEqual(sent.deliveryIds)
  expect((await relay.dlq.list({ endpointId: undefined, limit: undefined })).data).toEqual([])
})

it('receivers and the signing functions take undefined for their optional options', async () => {
  relay = createRelay({ storage: sqliteStorage({ filename: ':memory:' }), logger: false })
  const secret = generateSecret()
  const receiver = relay.receiver({ name: 'shop', secret, secrets: undefined, tolerance: undefined, mode: undefined, maxBodyBytes: undefined })
  receiver.on('*', () => undefined)
  await relay.migrate()
  const payload = JSON.stringify({ type: 'order.created', data: {} })
  const headers = sign({ secret, id: 'msg_1', payload, timestamp: undefined })
  expect(verify({ secret, payload, headers, tolerance: undefined, now: undefined }).id).toBe('msg_1')
  const answer = await receiver.handle({ body: payload, headers: { ...headers, 'content-type': 'application/json' } })
  expect(answer.status).toBe(200)
})
