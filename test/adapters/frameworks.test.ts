import { afterEach, describe, expect, it } from 'vitest'
import express from 'express'
import type { InboundRejectedEvent } from '../../src/index.js'
import { expressReceiver, RAW_BODY_FIX } from '../../src/adapters/express/index.js'
import { fetchReceiver } from '../../src/adapters/fetch/index.js'
import { nodeReceiver } from '../../src/adapters/node/index.js'
import { DISCARD_LIMIT_BYTES } from '../../src/adapters/node/read-raw-body.js'
import { eventually } from '../support/eventually.js'
import { describeEachStorage, sqliteTarget } from '../support/storages.js'
import { useRelays } from '../inbound/support/relays.js'
import { post, serve, STANDARD_SECRET, standardRequest } from '../inbound/support/webhooks.js'
import { listenExpress, mountFastify, type Mounted } from './mounts.js'

declare module 'node:http' {
  interface IncomingMessage {
    rawBody?: Buffer
  }
}

describeEachStorage(
  'receiver adapters in real apps',
  ({ env }) => {
    const { relay: makeRelay } = useRelays(env)
    const opened: Mounted[] = []
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((m) => m.close()))
    })

    describe('Express with an app-wide express.json() in front of the receiver', () => {
      it('verifies with the raw bytes the json parser kept through its verify hook', async () => {
        const relay = await makeRelay()
        const receiver = relay.receiver({ name: 'shop', secret: STANDARD_SECRET })
        const app = express()
        app.use(express.json({ verify: (req, _res, buf) => void (req.rawBody = buf) }))
        app.post('/webhooks', expressReceiver(receiver))
        const mounted = await listenExpress(app, '/webhooks')
        opened.push(mounted)
        // Whitespace the parser would not reproduce: only the kept bytes verify.
        const request = standardRequest({ body: '{ "type": "order.created",   "data": { "id": "ord_9" } }' })
        const answer = await post(mounted.url, request)
        expect(answer.status).toBe(200)
        expect((await relay.inbound.list()).data[0]?.payload).toBe(request.body)
      })

      it('answers 500 with a message that says how to fix the app when the raw bytes are gone', async () => {
        const relay = await makeRelay()
        const rejected: InboundRejectedEvent[] = []
        relay.on('inbound.rejected', (e) => rejected.push(e))
        const receiver = relay.receiver({ name: 'shop', secret: STANDARD_SECRET })
        const app = express()
        app.use(express.json())
        app.post('/webhooks', expressReceiver(receiver))
        const mounted = await listenExpress(app, '/webhooks')
        opened.push(mounted)

        const answer = await post(mounted.url, standardRequest())
        expect(answer.status).toBe(500)
        expect(answer.json).toEqual({ error: 'raw_body_unavailable', message: RAW_BODY_FIX })
        expect(RAW_BODY_FIX).toContain('express.json({ verify: (req, _res, buf) => { req.rawBody = buf } })')
        expect(rejected.map((e) => [e.status, e.reason])).toEqual([[500, 'BODY_NOT_RAW']])
        expect((await relay.inbound.list()).data).toEqual([])
      })

      it('also takes the bytes left by express.raw() on the route', async () => {
        const relay = await makeRelay()
        const receiver = relay.receiver({ name: 'shop', secret: STANDARD_SECRET })
        const app = express()
        app.post('/webhooks', express.raw({ type: '*/*' }), expressReceiver(receiver))
        const mounted = await listenExpress(app, '/webhooks')
        opened.push(mounted)
        expect((await post(mounted.url, standardRequest())).status).toBe(200)
      })
    })

    describe('Fastify', () => {
      it('keeps the receiver\'s raw-body parser inside its plugin: other routes still parse JSON', async () => {
        const relay = await makeRelay()
        const receiver = relay.receiver({ name: 'shop', secret: STANDARD_SECRET })
        const mounted = await mountFastify(receiver)
        opened.push(mounted)
        const echoed = await post(mounted.jsonUrl!, { body: '{"hello":"world"}', headers: { 'content-type': 'application/json' } })
        expect(echoed.json).toEqual({ got: { hello: 'world' } })
        expect((await post(mounted.url, standardRequest())).status).toBe(200)
        expect((await post(mounted.jsonUrl!, { body: '{"still":"json"}', headers: { 'content-type': 'application/json' } })).json).toEqual({
          got: { still: 'json' },
        })
      })
    })

    describe('nodeReceiver', () => {
      it('says how to fix the app when something read the body before it, instead of failing the signature', async () => {
        const relay = await makeRelay()
        const handler = nodeReceiver(relay.receiver({ name: 'shop', secret: STANDARD_SECRET }))
        const served = await serve(async (req, res) => {
          for await (const _chunk of req); // e.g. a body parser of the framework
          await handler(req, res)
        })
        opened.push({ url: served.origin, close: served.close })
        const answer = await post(`${served.origin}/webhooks`, standardRequest())
        expect(answer.status).toBe(500)
        expect(answer.json).toMatchObject({ error: 'raw_body_unavailable', message: expect.stringContaining('bodyParser: false') })
        expect((await relay.inbound.list()).data).toEqual([])
      })
    })

    describe('fetchReceiver with Request objects (Next.js App Router, Hono, Bun)', () => {
      it('accepts a real Request and answers a Response', async () => {
        const relay = await makeRelay()
        const seen: string[] = []
        const receiver = relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('*', (e) => void seen.push(e.webhookId))
        const POST = fetchReceiver(receiver)
        const signed = standardRequest()
        const response = await POST(new Request('https://app.example/webhooks', { method: 'POST', body: signed.body, headers: signed.headers }))
        expect(response.status).toBe(200)
        expect(await response.json()).toEqual({ received: true })
        await eventually(() => expect(seen).toEqual([signed.id]))
      })

      it('says how to fix the route when the body was read before it', async () => {
        const relay = await makeRelay()
        const POST = fetchReceiver(relay.receiver({ name: 'shop', secret: STANDARD_SECRET }))
        const signed = standardRequest()
        const request = new Request('https://app.example/webhooks', { method: 'POST', body: signed.body, headers: signed.headers })
        await request.json()
        const response = await POST(request)
        expect(response.status).toBe(500)
        expect(((await response.json()) as { message: string }).message).toMatch(/Pass the untouched Request/)
        expect((await relay.inbound.list()).data).toEqual([])
      })

      it('refuses an endless streamed body with 413, reading and discarding it only up to a bound', async () => {
        const relay = await makeRelay()
        const POST = fetchReceiver(relay.receiver({ name: 'shop', secret: STANDARD_SECRET, maxBodyBytes: 1024 }))
        let pulled = 0
        const chunk = new Uint8Array(64 * 1024).fill(120)
        // Never closes: only the adapter's bound ends the reading.
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled++
            controller.enqueue(chunk)
          },
        })
        const response = await POST(
          new Request('https://app.example/webhooks', { method: 'POST', body, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit),
        )
        expect(response.status).toBe(413)
        expect(await response.json()).toMatchObject({ error: 'payload_too_large' })
        expect(pulled * chunk.length).toBeLessThanOrEqual(1024 + DISCARD_LIMIT_BYTES + 2 * chunk.length)
      })
    })
  },
  [sqliteTarget],
)
