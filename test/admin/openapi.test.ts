import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { nodeAdmin } from '../../src/adapters/node/index.js'
import { ADMIN_ROUTES } from '../../src/admin/admin-handlers.js'
import { createRelay, defineEvents, sqliteStorage, type Relay } from '../../src/index.js'

const events = defineEvents({
  'order.created': {
    schema: z.object({ id: z.string(), total: z.number() }),
    description: 'An order was placed.',
    examples: [{ id: 'ord_1', total: 42 }],
  },
  'user.deleted': { schema: z.object({ userId: z.string() }) },
})

let relay: Relay<typeof events>
let server: http.Server
let base: string

beforeAll(async () => {
  relay = createRelay({ events, storage: sqliteStorage({ filename: ':memory:' }), network: { allowPrivate: true }, logger: false })
  await relay.start({ workers: false })
  server = http.createServer(nodeAdmin(relay, { authorize: 'none', basePath: '/admin' }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await relay.stop()
})

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document a validator accepts', async () => {
    const { status, body } = await call('GET', '/openapi.json')
    expect(status).toBe(200)
    expect(body.openapi).toBe('3.1.0')
    const validator = new Validator()
    const result = await validator.validate(body)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
  })

  it('documents every route of the router, so it cannot drift', async () => {
    const { body } = await call('GET', '/openapi.json')
    const documented = Object.entries(body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    expect(documented.sort()).toEqual([...ADMIN_ROUTES].sort())
  })

  it('describes bodies, query parameters and answers from the zod schemas', async () => {
    const { body } = await call('GET', '/openapi.json')
    const create = body.paths['/endpoints'].post
    expect(create.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', required: ['url'] })
    // Durations are the milliseconds or strings that durationCheck accepts.
    expect(create.requestBody.content['application/json'].schema.properties.rateLimit.anyOf[0].properties.per.anyOf).toHaveLength(2)
    expect(create.responses['201'].content['application/json'].schema.required).toContain('secret')
    const list = body.paths['/deliveries'].get
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['limit', 'cursor', 'status', 'endpointId', 'since']))
    expect(body.paths['/endpoints/{id}'].delete.responses['204']).toBeDefined()
  })

  it('lists the event catalog as webhooks, with the schema of each type and its examples', async () => {
    const { body } = await call('GET', '/openapi.json')
    const created = body.webhooks['order.created'].post
    expect(created.summary).toBe('An order was placed.')
    const content = created.requestBody.content['application/json']
    expect(content.schema.properties.data).toMatchObject({ type: 'object', properties: { id: { type: 'string' } } })
    expect(content.examples.example1.value).toMatchObject({ type: 'order.created', data: { id: 'ord_1', total: 42 } })
  })
})

describe('the catalog and test sends in the admin API', () => {
  it('GET /catalog lists the types with description, examples and JSON Schema', async () => {
    const { status, body } = await call('GET', '/catalog')
    expect(status).toBe(200)
    expect(body.data.map((e: { type: string }) => e.type)).toEqual(['order.created', 'user.deleted'])
    expect(body.data[0]).toMatchObject({ description: 'An order was placed.', examples: [{ id: 'ord_1', total: 42 }], schema: { type: 'object' } })
  })

  it('POST /endpoints refuses an event type outside the catalog, naming the closest', async () => {
    const { status, body } = await call('POST', '/endpoints', { url: 'https://example.com/hook', eventTypes: ['user.delete'] })
    expect(status).toBe(400)
    expect(body.error.code).toBe('UNKNOWN_EVENT_TYPE')
    expect(body.error.message).toMatch(/Did you mean "user.deleted"/)
    expect(body.error.issues[0].path).toEqual(['eventTypes', '0'])
  })

  it('POST /endpoints/:id/test sends a catalog example, or answers why not', async () => {
    const created = await call('POST', '/endpoints', { url: 'https://example.com/hook', eventTypes: ['user.deleted'] })
    const id = created.body.id as string
    const sent = await call('POST', `/endpoints/${id}/test`, { type: 'order.created' })
    expect(sent.status).toBe(201)
    expect(sent.body).toMatchObject({ type: 'order.created', messageId: expect.stringMatching(/^msg_/) })
    const message = await call('GET', `/messages/${sent.body.messageId}`)
    expect(JSON.parse(message.body.payload)).toMatchObject({ test: true, data: { id: 'ord_1' } })

    const ping = await call('POST', `/endpoints/${id}/test`)
    expect(ping).toMatchObject({ status: 201, body: { type: 'webhook.test' } })
    const invalid = await call('POST', `/endpoints/${id}/test`, { type: 'order.created', payload: { id: 1 } })
    expect(invalid).toMatchObject({ status: 400, body: { error: { code: 'PAYLOAD_INVALID' } } })
    const noExample = await call('POST', `/endpoints/${id}/test`, { type: 'user.deleted' })
    expect(noExample).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_ERROR' } } })
  })
})
