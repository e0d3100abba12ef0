import type { AddressInfo } from 'node:net'
import http, { type Server } from 'node:http'
import { Readable } from 'node:stream'
import express from 'express'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/index.js'
import { ADMIN_ROUTES, type AdminOptions } from '../../src/admin/admin-handlers.js'
import { expressAdmin } from '../../src/adapters/express/index.js'
import { fastifyAdmin } from '../../src/adapters/fastify/index.js'
import { fetchAdmin } from '../../src/adapters/fetch/index.js'
import { nodeAdmin } from '../../src/adapters/node/index.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'
import { standardRequest, STANDARD_SECRET } from '../inbound/support/webhooks.js'

const TOKEN = 'admin-token-for-tests'
const authorize: AdminOptions['authorize'] = (req) =>
  req.headers.authorization === `Bearer ${TOKEN}` ? true : req.headers.authorization ? { status: 403 } : false

interface Mounted {
  /** The admin API's base URL, e.g. http://127.0.0.1:1234/admin */
  base: string
  close(): Promise<void>
}

/** A real Express 5 app with the app's own express.json() in front, as apps usually have it. */
async function mountExpress(relay: Relay, options: AdminOptions): Promise<Mounted> {
  const app = express()
  app.use(express.json())
  app.use('/admin', expressAdmin(relay, options))
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    base: `http://127.0.0.1:${port}/admin`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A real Express app without any body parser: the adapter reads the body itself. */
async function mountExpressRaw(relay: Relay, options: AdminOptions): Promise<Mounted> {
  const app = express()
  app.use('/ops', expressAdmin(relay, options))
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return { base: `http://127.0.0.1:${port}/ops`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

async function mountFastify(relay: Relay, options: AdminOptions): Promise<Mounted> {
  const fastify = Fastify()
  await fastify.register(fastifyAdmin(relay, options), { prefix: '/admin' })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  const { port } = fastify.server.address() as AddressInfo
  return { base: `http://127.0.0.1:${port}/admin`, close: () => fastify.close() }
}

/** `nodeAdmin` on a bare http server, under a base path. */
async function mountNode(relay: Relay, options: AdminOptions): Promise<Mounted> {
  const server = http.createServer(nodeAdmin(relay, { ...options, basePath: '/admin' }))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { base: `http://127.0.0.1:${port}/admin`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** `fetchAdmin` behind a node http → Fetch bridge, as Fetch runtimes run it. */
async function mountFetch(relay: Relay, options: AdminOptions): Promise<Mounted> {
  const handler = fetchAdmin(relay, { ...options, basePath: '/admin' })
  const server = http.createServer((req, res) => {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const headers = Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])) as [string, string][]
    const request = new Request(`http://127.0.0.1${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit)
    void handler(request).then(async (response) => {
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.end(Buffer.from(await response.arrayBuffer()))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { base: `http://127.0.0.1:${port}/admin`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const frameworks = [
  { name: 'express', mount: mountExpress },
  { name: 'express without a body parser', mount: mountExpressRaw },
  { name: 'fastify', mount: mountFastify },
  { name: 'node', mount: mountNode },
  { name: 'fetch', mount: mountFetch },
] as const

interface Answer {
  status: number
  json: any
  text: string
  headers: Headers
}

describeEachStorage('admin HTTP API', (ctx) => {
  it('refuses to mount without authorize, unless authorize is explicitly none', async () => {
    const relay = createRelay({ storage: await ctx.env().freshStorage() })
    for (const create of [expressAdmin, fastifyAdmin, nodeAdmin, fetchAdmin]) {
      expect(() => create(relay, {} as AdminOptions)).toThrow(/needs an `authorize` function/)
      expect(() => create(relay, undefined as unknown as AdminOptions)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }))
      expect(() => create(relay, { authorize: 'none' })).not.toThrow()
    }
    const open = await mountFastify(relay, { authorize: 'none' })
    try {
      expect((await fetch(`${open.base}/health`)).status).toBe(200)
    } finally {
      await open.close()
    }
  })

  for (const framework of frameworks) {
    describe(framework.name, () => {
      let relay: Relay
      let mounted: Mounted
      let down: TestReceiver

      beforeAll(async () => {
        down = await startReceiver(() => ({ status: 500 }))
        relay = createRelay({
          storage: await ctx.env().freshStorage(),
          network: { allowPrivate: true },
          delivery: { pollInterval: '50ms' },
          retry: { schedule: ['50ms'], jitter: 0 },
        })
        await relay.start()
        mounted = await framework.mount(relay, { authorize })
      })
      afterAll(async () => {
        await mounted?.close()
        await relay?.stop()
        await down?.close()
      })

      async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
        const init: RequestInit = { method, headers: { authorization: `Bearer ${TOKEN}`, ...headers } }
        if (body !== undefined) {
          init.body = typeof body === 'string' ? body : JSON.stringify(body)
          ;(init.headers as Record<string, string>)['content-type'] ??= 'application/json'
        }
        const res = await fetch(`${mounted.base}${path}`, init)
        const text = await res.text()
        let json: unknown
        try {
          json = text ? JSON.parse(text) : undefined
        } catch {
          json = undefined
        }
        return { status: res.status, json, text, headers: res.headers }
      }

      it('refuses requests without credentials (401) and with wrong ones (403), as JSON', async () => {
        const anonymous = await fetch(`${mounted.base}/endpoints`)
        expect(anonymous.status).toBe(401)
        expect(await anonymous.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } })
        const wrong = await call('GET', '/endpoints', undefined, { authorization: 'Bearer nope' })
        expect(wrong.status).toBe(403)
        expect(wrong.json.error.code).toBe('FORBIDDEN')
        // Refused before anything runs: no endpoint was created.
        const refused = await fetch(`${mounted.base}/endpoints`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ url: down.url }),
        })
        expect(refused.status).toBe(401)
        expect((await call('GET', '/endpoints')).json.data).toEqual([])
      })

      it('refuses bad bodies and queries with clear errors', async () => {
        const badUrl = await call('POST', '/endpoints', { url: 'ftp://example.com', eventTypes: ['bad type!'] })
        expect(badUrl.status).toBe(400)
        expect(badUrl.json.error.code).toBe('VALIDATION_ERROR')
        expect(badUrl.json.error.issues.map((i: { path: string[] }) => i.path.join('.')).sort()).toEqual(['eventTypes.0', 'url'])

        const notJson = await call('POST', '/endpoints', '{"url": ')
        expect(notJson.status).toBe(400)
        expect(notJson.json.error.code).toBe('INVALID_JSON')

        const notObject = await call('POST', '/endpoints', [1, 2])
        expect(notObject.status).toBe(400)
        expect(notObject.json.error.message).toMatch(/expected a JSON object/)

        const everything = await call('POST', '/dlq/replay', {})
        expect(everything.status).toBe(400)
        expect(everything.json.error.message).toMatch(/"all": true/)

        const unknownField = await call('POST', '/endpoints/ep_x/disable', { reason: 'x', force: true })
        expect(unknownField.status).toBe(400)
        expect(unknownField.json.error.issues[0].message).toMatch(/force|Unrecognized/i)

        const badLimit = await call('GET', '/deliveries?limit=5000')
        expect(badLimit.status).toBe(400)
        expect(badLimit.json.error.issues[0]).toMatchObject({ path: ['limit'] })

        const badTime = await call('GET', '/dlq?since=yesterday')
        expect(badTime.status).toBe(400)
        expect(badTime.json.error.message).toMatch(/ISO 8601/)

        const badRecover = await call('POST', '/endpoints/ep_x/recover', {})
        expect(badRecover.status).toBe(400)

        expect((await call('GET', '/nowhere')).json.error.code).toBe('ROUTE_NOT_FOUND')
        const wrongMethod = await call('DELETE', '/endpoints')
        expect(wrongMethod.status).toBe(405)
        expect(wrongMethod.headers.get('allow')).toBe('GET, POST, PUT')
        const missing = await call('GET', '/endpoints/ep_missing')
        expect(missing.status).toBe(404)
        expect(missing.json.error).toEqual({ code: 'NOT_FOUND', message: 'Endpoint "ep_missing" does not exist.' })
      })

      it('registers endpoints by uid: POST answers 201 then 200 with the same one, PUT upserts, GET finds it by uid', async () => {
        const uid = `adm-${framework.name.replace(/\W+/g, '-')}`
        const created = await call('POST', '/endpoints', { uid, tenant: 'acme', url: 'http://127.0.0.1:9/uid' })
        expect(created.status).toBe(201)
        expect(created.json).toMatchObject({ uid, created: true })
        const again = await call('POST', '/endpoints', { uid, tenant: 'acme', url: 'http://127.0.0.1:9/other' })
        expect(again.status).toBe(200)
        expect(again.json).toMatchObject({ id: (created.json as { id: string }).id, url: 'http://127.0.0.1:9/uid', created: false })
        const upserted = await call('PUT', '/endpoints', { uid, tenant: 'acme', url: 'http://127.0.0.1:9/v2' })
        expect(upserted.status).toBe(200)
        expect(upserted.json).toMatchObject({ id: (created.json as { id: string }).id, url: 'http://127.0.0.1:9/v2', updated: true })
        expect((await call('GET', `/endpoints/${uid}?tenant=acme`)).json).toMatchObject({ id: (created.json as { id: string }).id })
        expect((await call('GET', `/endpoints/${uid}`)).status).toBe(404)
        expect((await call('PUT', '/endpoints', { url: 'http://127.0.0.1:9/v2' })).status).toBe(400)
        await relay.endpoints.delete((created.json as { id: string }).id)
      })

      it('serves every route: endpoints, secrets, messages, deliveries, attempts, DLQ, recover, stats, inbound, health', async () => {
        const exercised = new Set<string>()
        const hit = async (method: string, pattern: string, path: string, body?: unknown) => {
          exercised.add(`${method} ${pattern}`)
          return call(method, path, body)
        }

        // Endpoints CRUD; the secret appears on create, on rotation, and when asked for.
        const created = await hit('POST', '/endpoints', '/endpoints', { url: down.url, eventTypes: ['order.*'], description: 'shop' })
        expect(created.status).toBe(201)
        expect(created.json.secret).toMatch(/^whsec_/)
        const id: string = created.json.id
        const other = await hit('POST', '/endpoints', '/endpoints', { url: down.url, tenant: 'acme' })
        const upserted = await hit('PUT', '/endpoints', '/endpoints', { uid: 'acme-eu', tenant: 'acme', url: down.url })
        expect(upserted.status).toBe(201)
        expect(upserted.json).toMatchObject({ uid: 'acme-eu', created: true })
        await call('DELETE', `/endpoints/${upserted.json.id}`)
        const listed = await hit('GET', '/endpoints', '/endpoints?limit=1')
        expect(listed.json.data).toHaveLength(1)
        expect(listed.json.nextCursor).toEqual(expect.any(String))
        const next = await call('GET', `/endpoints?limit=1&cursor=${listed.json.nextCursor}`)
        expect([...listed.json.data, ...next.json.data].map((e: { id: string }) => e.id).sort()).toEqual([id, other.json.id].sort())
        expect((await call('GET', '/endpoints?tenant=acme')).json.data.map((e: { id: string }) => e.id)).toEqual([other.json.id])
        expect(listed.text).not.toMatch(/whsec_/)
        const got = await hit('GET', '/endpoints/:id', `/endpoints/${id}`)
        expect(got.json).toMatchObject({ id, url: down.url, description: 'shop', disabled: false })
        expect(got.text).not.toMatch(/whsec_/)
        expect((await hit('PATCH', '/endpoints/:id', `/endpoints/${id}`, { description: 'the shop' })).json.description).toBe('the shop')
        expect((await hit('GET', '/endpoints/:id/secret', `/endpoints/${id}/secret`)).json).toEqual({ secret: created.json.secret })
        // Custom header values (API keys) are redacted unless asked for, like the secret.
        const keyed = await call('PATCH', `/endpoints/${id}`, { headers: { authorization: 'Bearer sk_live_admin' } })
        expect(keyed.json.headers).toEqual({ authorization: '[redacted]' })
        expect((await call('GET', `/endpoints/${id}`)).text).not.toContain('sk_live_admin')
        expect((await call('GET', '/endpoints')).text).not.toContain('sk_live_admin')
        expect((await hit('GET', '/endpoints/:id/headers', `/endpoints/${id}/headers`)).json).toEqual({
          headers: { authorization: 'Bearer sk_live_admin' },
        })
        const rotated = await hit('POST', '/endpoints/:id/rotate-secret', `/endpoints/${id}/rotate-secret`, { keepOldFor: '1h' })
        expect(rotated.json.secret).toMatch(/^whsec_/)
        expect(rotated.json.secret).not.toBe(created.json.secret)
        expect((await hit('DELETE', '/endpoints/:id', `/endpoints/${other.json.id}`)).status).toBe(204)
        expect((await call('GET', `/endpoints/${other.json.id}`)).status).toBe(404)

        // A message that dies, then the DLQ.
        const sent = await relay.sendMany([1, 2, 3].map((n) => ({ type: 'order.created', data: { n } })))
        const ids = sent.map((s) => s.deliveryIds[0]!)
        await eventually(async () => expect((await call('GET', '/dlq')).json.data).toHaveLength(3))
        const dlq = await hit('GET', '/dlq', '/dlq', undefined)
        expect(dlq.json.data.every((d: { status: string }) => d.status === 'dead')).toBe(true)
        expect((await call('GET', `/dlq?endpointId=${id}&eventType=order.created&limit=2`)).json.data).toHaveLength(2)

        const message = await hit('GET', '/messages/:id', `/messages/${sent[0]!.messageId}`)
        expect(message.json).toMatchObject({ id: sent[0]!.messageId, type: 'order.created', data: { n: 1 } })
        expect(message.json.deliveries).toHaveLength(1)
        expect((await hit('GET', '/deliveries', '/deliveries', undefined)).json.data).toHaveLength(3)
        expect((await call('GET', '/deliveries?status=dead&limit=1')).json.nextCursor).toEqual(expect.any(String))
        expect((await hit('GET', '/deliveries/:id', `/deliveries/${ids[0]}`)).json).toMatchObject({ id: ids[0], status: 'dead' })
        const attempts = await hit('GET', '/attempts', '/attempts', undefined)
        expect(attempts.json.data.length).toBeGreaterThanOrEqual(6)
        expect((await call('GET', `/attempts?deliveryId=${ids[0]}`)).json.data).toHaveLength(2)

        expect((await hit('POST', '/dlq/:id/discard', `/dlq/${ids[0]}/discard`)).json).toEqual({ discarded: true })
        // Two replays at once: at least one queues the dead letter. Whether the other finds it still
        // queued or already dead again depends on timing (the receiver is down and the schedule is
        // 50 ms), so only the library spec (test/outbound/delivery.test.ts) asserts that twice queues once.
        const replays = await Promise.all([
          hit('POST', '/dlq/:id/replay', `/dlq/${ids[1]}/replay`),
          call('POST', `/dlq/${ids[1]}/replay`),
        ])
        expect(replays.map((r) => r.json.replayed)).toContain(true)
        expect(replays.every((r) => typeof r.json.replayed === 'boolean')).toBe(true)
        // The one replayed above may already have died again (the receiver is still down).
        expect((await hit('POST', '/dlq/replay', '/dlq/replay', { endpointId: id })).json.changed).toBeGreaterThanOrEqual(1)
        await eventually(async () => expect((await call('GET', '/dlq')).json.data).toHaveLength(2))

        // Recover refuses a disabled endpoint, then re-queues what died in the last hour.
        const disabled = await hit('POST', '/endpoints/:id/disable', `/endpoints/${id}/disable`, { reason: 'maintenance' })
        expect(disabled.json).toMatchObject({ disabled: true, disabledReason: 'maintenance' })
        const refused = await hit('POST', '/endpoints/:id/recover', `/endpoints/${id}/recover`, { since: '1h' })
        expect(refused.status).toBe(409)
        expect(refused.json.error.code).toBe('ENDPOINT_DISABLED')
        expect((await hit('POST', '/endpoints/:id/enable', `/endpoints/${id}/enable`)).json.disabled).toBe(false)
        const recovered = await call('POST', `/endpoints/${id}/recover`, { since: new Date(Date.now() - 3_600_000).toISOString() })
        expect(recovered.json).toEqual({ matched: 2, changed: 2 })

        const stats = await hit('GET', '/endpoints/:id/stats', `/endpoints/${id}/stats?window=1h`)
        expect(stats.json).toMatchObject({ endpointId: id, attempts: { succeeded: 0 } })
        expect(['closed', 'open', 'half_open']).toContain(stats.json.circuit) // never 'unknown' with the database up
        expect(stats.json.attempts.total).toBeGreaterThanOrEqual(6)
        const global = await hit('GET', '/stats', '/stats', undefined)
        expect(global.json).toMatchObject({ endpoints: { total: 1 }, messages: 3 })
        expect((await hit('GET', '/health', '/health', undefined)).json).toEqual({ status: 'ok', storage: ctx.target.dialect })
        // Its delivery was discarded above: the message can be sent to the endpoint again.
        const resent = await hit('POST', '/messages/:id/resend', `/messages/${sent[0]!.messageId}/resend`, { endpointIds: [id] })
        expect(resent.status).toBe(201)
        expect(resent.json).toEqual({ messageId: sent[0]!.messageId, deliveryIds: [expect.stringMatching(/^dlv_/)] })

        // Inbound dead letters.
        const hooks = relay
          .receiver({ name: `shop-${framework.name.length}`, secret: STANDARD_SECRET, retry: { schedule: [], jitter: 0 } })
          .on('*', () => {
            throw new Error('handler down')
          })
        for (let i = 0; i < 3; i++) {
          const request = standardRequest({ data: { i } })
          await hooks.handle({ method: 'POST', headers: request.headers, body: request.body })
        }
        await eventually(async () => expect((await call('GET', '/inbound?status=dead')).json.data).toHaveLength(3))
        const inbound = (await hit('GET', '/inbound', '/inbound', undefined)).json.data as { id: string }[]
        expect((await hit('GET', '/inbound/:id', `/inbound/${inbound[0]!.id}`)).json.id).toBe(inbound[0]!.id)
        expect((await hit('POST', '/inbound/:id/discard', `/inbound/${inbound[0]!.id}/discard`)).json).toEqual({ discarded: true })
        expect((await hit('POST', '/inbound/:id/replay', `/inbound/${inbound[1]!.id}/replay`)).json).toEqual({ replayed: true })
        await eventually(async () => expect((await call('GET', '/inbound?status=dead')).json.data).toHaveLength(2))
        expect((await hit('POST', '/inbound/replay', '/inbound/replay', { all: true })).json).toEqual({ matched: 2, changed: 2 })

        // Without a catalog: an empty catalog, the document, and a webhook.test ping.
        expect((await hit('GET', '/catalog', '/catalog', undefined)).json).toEqual({ data: [], nextCursor: null })
        expect((await hit('GET', '/openapi.json', '/openapi.json', undefined)).json.openapi).toBe('3.1.0')
        const ping = await hit('POST', '/endpoints/:id/test', `/endpoints/${id}/test`, {})
        expect(ping.status).toBe(201)
        expect(ping.json).toMatchObject({ type: 'webhook.test', deliveryIds: [expect.stringMatching(/^dlv_/)] })

        expect([...exercised].sort()).toEqual([...ADMIN_ROUTES].sort())
      })
    })
  }
}, relayTargets)
