import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createRelay,
  defineEvents,
  PayloadInvalidError,
  sqliteStorage,
  UnknownEventTypeError,
  ValidationError,
  type Relay,
  type StandardSchemaV1,
} from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'

const events = defineEvents({
  'order.created': {
    schema: z.object({ id: z.string(), total: z.number(), currency: z.string().default('EUR') }),
    description: 'An order was placed.',
    examples: [{ id: 'ord_example', total: 42 }],
  },
  'order.cancelled': { schema: z.object({ id: z.string(), reason: z.string().optional() }), description: 'An order was cancelled.' },
  'user.deleted': { schema: z.object({ userId: z.string() }), examples: [{ userId: 'usr_1' }] },
})

/** A Standard Schema written by hand, validating asynchronously: no library, no JSON Schema converter. */
const positiveAmount: StandardSchemaV1<{ amount: number }> = {
  '~standard': {
    version: 1,
    vendor: 'handmade',
    validate: async (value) => {
      const amount = (value as { amount?: unknown } | null)?.amount
      return typeof amount === 'number' && amount > 0 ? { value: { amount } } : { issues: [{ message: 'must be a positive number', path: [{ key: 'amount' }] }] }
    },
  },
}

let relay: Relay | undefined
let receiver: TestReceiver | undefined

afterEach(async () => {
  await relay?.stop()
  await receiver?.close()
  relay = undefined
  receiver = undefined
})

async function relayWith(options: { workers?: boolean } = {}) {
  const r = createRelay({
    events,
    storage: sqliteStorage({ filename: ':memory:' }),
    network: { allowPrivate: true },
    delivery: { pollInterval: '50ms' },
    logger: false,
  })
  relay = r
  await r.start({ workers: options.workers ?? false })
  return r
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

describe('defineEvents', () => {
  it('refuses a type that is not an event type, a definition without a schema, and an example its schema refuses', () => {
    expect(() => defineEvents({ 'order created': { schema: z.object({}) } })).toThrow(/not an event type/)
    expect(() => defineEvents({ 'order.created': { schema: { id: 'string' } } } as never)).toThrow(/Standard Schema/)
    const error = (() => {
      try {
        defineEvents({ 'order.created': { schema: z.object({ total: z.number() }), examples: [{ total: 'ten' } as never] } })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toMatch(/example \[0\] of "order.created" does not match its schema/)
    expect((error as ValidationError).issues[0]!.path).toEqual(['order.created', 'examples', 0, 'total'])
  })
})

describe('send() with an event catalog', () => {
  it('sends the data its schema gives back (defaults applied)', async () => {
    const r = await relayWith()
    const sent = await r.send({ type: 'order.created', data: { id: 'ord_1', total: 10 } })
    const message = await r.messages.get(sent.messageId)
    expect(message.data).toEqual({ id: 'ord_1', total: 10, currency: 'EUR' })
  })

  it('refuses a type the catalog does not define, naming the closest one', async () => {
    const r = await relayWith()
    const error = await rejection(r.send({ type: 'order.craeted', data: { id: 'ord_1', total: 10 } } as never))
    expect(error).toBeInstanceOf(UnknownEventTypeError)
    expect(error).toMatchObject({ code: 'UNKNOWN_EVENT_TYPE', suggestion: 'order.created' })
    expect((error as Error).message).toMatch(/Unknown event type "order.craeted".*Did you mean "order.created"\?/)
  })

  it("refuses data its schema refuses (PAYLOAD_INVALID) with the schema's issues and their paths", async () => {
    const r = await relayWith()
    const error = await rejection(r.send({ type: 'order.created', data: { id: 'ord_1', total: 'ten' } } as never))
    expect(error).toBeInstanceOf(PayloadInvalidError)
    expect(error).toMatchObject({ code: 'PAYLOAD_INVALID', type: 'order.created' })
    expect((error as PayloadInvalidError).issues).toEqual([{ path: ['data', 'total'], message: expect.stringMatching(/number/) }])
    expect((error as Error).message).toMatch(/data\.total: .*number/)
  })

  it('writes nothing of a sendMany() when one event is invalid, and names it', async () => {
    const r = await relayWith()
    await r.endpoints.create({ url: 'http://127.0.0.1:9/hook' })
    const error = await rejection(
      r.sendMany([
        { type: 'order.created', data: { id: 'ord_1', total: 1 } },
        { type: 'user.deleted', data: {} } as never,
      ]),
    )
    expect((error as Error).message).toMatch(/Invalid event \[1\]/)
    expect((await r.deliveries.list()).data).toHaveLength(0)
  })

  it('takes any Standard Schema, including one that validates asynchronously', async () => {
    const r = createRelay({
      events: defineEvents({ 'refund.issued': { schema: positiveAmount, description: 'Money went back.', examples: [{ amount: 5 }] } }),
      storage: sqliteStorage({ filename: ':memory:' }),
      logger: false,
    })
    relay = r as Relay
    await r.start({ workers: false })
    await expect(r.send({ type: 'refund.issued', data: { amount: 3 } })).resolves.toMatchObject({ duplicate: false })
    await expect(r.send({ type: 'refund.issued', data: { amount: -1 } })).rejects.toMatchObject({
      code: 'PAYLOAD_INVALID',
      issues: [{ path: ['data', 'amount'], message: 'must be a positive number' }],
    })
    // No converter to JSON Schema: the entry says what it can, without a schema.
    expect(r.catalog()).toEqual([{ type: 'refund.issued', description: 'Money went back.', examples: [{ amount: 5 }] }])
  })

  it('without a catalog sends any type and data, as before', async () => {
    const r = createRelay({ storage: sqliteStorage({ filename: ':memory:' }), logger: false })
    relay = r
    await r.start({ workers: false })
    await expect(r.send({ type: 'anything.goes', data: [1, 2] })).resolves.toMatchObject({ duplicate: false })
    expect(r.catalog()).toEqual([])
  })
})

describe('endpoints with an event catalog', () => {
  it('refuses event types the catalog does not define, naming the closest, on create and on update', async () => {
    const r = await relayWith()
    const created = await rejection(r.endpoints.create({ url: 'https://example.com/hook', eventTypes: ['order.created', 'user.delted'] }))
    expect(created).toMatchObject({ code: 'UNKNOWN_EVENT_TYPE', type: 'user.delted', suggestion: 'user.deleted' })
    expect((created as ValidationError).issues[0]!.path).toEqual(['eventTypes', 1])

    const endpoint = await r.endpoints.create({ url: 'https://example.com/hook', eventTypes: ['order.*', 'user.deleted'] })
    await expect(r.endpoints.update(endpoint.id, { eventTypes: ['shipment.*'] })).rejects.toMatchObject({ code: 'UNKNOWN_EVENT_TYPE' })
    await expect(r.endpoints.update(endpoint.id, { eventTypes: ['*'] })).resolves.toMatchObject({ eventTypes: ['*'] })
    await expect(r.endpoints.update(endpoint.id, { retry: { byType: { 'order.canceled': ['1s'] } } })).rejects.toMatchObject({
      code: 'UNKNOWN_EVENT_TYPE',
      suggestion: 'order.cancelled',
    })
  })
})

describe('relay.catalog()', () => {
  it('lists each type with its description, examples and the JSON Schema of its data', async () => {
    const r = await relayWith()
    const catalog = r.catalog()
    expect(catalog.map((entry) => entry.type)).toEqual(['order.created', 'order.cancelled', 'user.deleted'])
    expect(catalog[0]).toMatchObject({
      type: 'order.created',
      description: 'An order was placed.',
      examples: [{ id: 'ord_example', total: 42 }],
      schema: { type: 'object', properties: { id: { type: 'string' }, total: { type: 'number' } } },
    })
    expect(catalog[1]!.examples).toEqual([])
  })
})

describe('endpoints.sendTest()', () => {
  it("delivers the type's catalog example to that endpoint only, marked as a test, through the normal engine", async () => {
    receiver = await startReceiver()
    const r = await relayWith({ workers: true })
    const target = await r.endpoints.create({ url: `${receiver.url}/target`, eventTypes: ['user.deleted'] })
    await r.endpoints.create({ url: `${receiver.url}/other`, eventTypes: ['order.created'] })

    const sent = await r.endpoints.sendTest(target.id, { type: 'order.created' })
    expect(sent.deliveryIds).toHaveLength(1)
    const [request] = await receiver.waitFor(1)
    expect(request!.path).toMatch(/\/target$/)
    expect(request!.headers['webhook-id']).toBe(sent.messageId)
    expect(JSON.parse(request!.body)).toMatchObject({
      type: 'order.created',
      test: true,
      data: { id: 'ord_example', total: 42, currency: 'EUR' },
    })
    await eventually(async () => expect((await r.deliveries.get(sent.deliveryIds[0]!)).status).toBe('succeeded'))
    expect(receiver.requests).toHaveLength(1)
  })

  it('sends a given payload (validated), or a webhook.test ping without a type', async () => {
    const r = await relayWith()
    const endpoint = await r.endpoints.create({ url: 'https://example.com/hook' })
    const given = await r.endpoints.sendTest(endpoint.id, { type: 'order.cancelled', payload: { id: 'ord_9' } })
    expect(JSON.parse((await r.messages.get(given.messageId)).payload)).toMatchObject({ type: 'order.cancelled', test: true, data: { id: 'ord_9' } })
    await expect(r.endpoints.sendTest(endpoint.id, { type: 'order.cancelled', payload: { id: 9 } })).rejects.toMatchObject({
      code: 'PAYLOAD_INVALID',
    })

    const ping = await r.endpoints.sendTest(endpoint.id)
    expect(ping.type).toBe('webhook.test')
    const message = await r.messages.get(ping.messageId)
    expect(JSON.parse(message.payload)).toMatchObject({ type: 'webhook.test', test: true, data: { endpointId: endpoint.id } })
    expect(message.deliveries.map((d) => d.endpointId)).toEqual([endpoint.id])
  })

  it('refuses a type without example and without payload, an unknown type, and a disabled endpoint', async () => {
    const r = await relayWith()
    const endpoint = await r.endpoints.create({ url: 'https://example.com/hook' })
    await expect(r.endpoints.sendTest(endpoint.id, { type: 'order.cancelled' })).rejects.toThrow(/has no example in the event catalog/)
    await expect(r.endpoints.sendTest(endpoint.id, { type: 'order.shipped' })).rejects.toMatchObject({ code: 'UNKNOWN_EVENT_TYPE' })
    await r.endpoints.disable(endpoint.id)
    await expect(r.endpoints.sendTest(endpoint.id)).rejects.toMatchObject({ code: 'ENDPOINT_DISABLED' })
    await expect(r.endpoints.sendTest('ep_missing')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })
})
