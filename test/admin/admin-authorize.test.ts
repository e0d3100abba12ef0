import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import express from 'express'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay, type RelayErrorEvent } from '../../src/index.js'
import type { AdminOptions, AdminRequest } from '../../src/admin/admin-handlers.js'
import { expressAdmin } from '../../src/adapters/express/index.js'
import { fastifyAdmin } from '../../src/adapters/fastify/index.js'
import { fetchAdmin } from '../../src/adapters/fetch/index.js'
import { nodeAdmin } from '../../src/adapters/node/index.js'
import { describeEachStorage, sqliteTarget } from '../support/storages.js'

interface Mounted {
  base: string
  close(): Promise<void>
}

async function listen(server: http.Server, path: string): Promise<Mounted> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    base: `http://127.0.0.1:${port}${path}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Every way of mounting the admin API, each in a real server. */
const mounts: Record<string, (relay: Relay, options: AdminOptions) => Promise<Mounted>> = {
  'express with express.json() in front': (relay, options) => {
    const app = express()
    app.use(express.json())
    app.use('/admin', expressAdmin(relay, options))
    return listen(http.createServer(app), '/admin')
  },
  'express without a body parser': (relay, options) => {
    const app = express()
    app.use('/admin', expressAdmin(relay, options))
    return listen(http.createServer(app), '/admin')
  },
  fastify: async (relay, options) => {
    const fastify = Fastify()
    await fastify.register(fastifyAdmin(relay, options), { prefix: '/admin' })
    await fastify.listen({ port: 0, host: '127.0.0.1' })
    const { port } = fastify.server.address() as AddressInfo
    return { base: `http://127.0.0.1:${port}/admin`, close: () => fastify.close() }
  },
  node: (relay, options) => listen(http.createServer(nodeAdmin(relay, { ...options, basePath: '/admin' })), '/admin'),
  fetch: (relay, options) => {
    const handler = fetchAdmin(relay, { ...options, basePath: '/admin' })
    const server = http.createServer((req, res) => {
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
      const request = new Request(`http://127.0.0.1${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers: Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])) as [string, string][],
        ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
      } as RequestInit)
      void handler(request).then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers))
        res.end(Buffer.from(await response.arrayBuffer()))
      })
    })
    return listen(server, '/admin')
  },
}

const TOKEN = 'admin-token-for-tests'
const BIG = JSON.stringify({ url: 'https://example.com/hook', description: 'x'.repeat(1.5 * 1_048_576) })

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, init)
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : undefined }
}

describeEachStorage(
  'admin API authorisation comes before the body',
  (ctx) => {
    let relay: Relay
    const errors: RelayErrorEvent[] = []
    /** What authorize answers next, and what it was shown. */
    let verdict: () => unknown = () => true
    const shown: AdminRequest[] = []
    const authorize = ((req: AdminRequest) => {
      shown.push(req)
      return verdict()
    }) as AdminOptions['authorize']

    beforeAll(async () => {
      relay = createRelay({ storage: await ctx.env().freshStorage(), network: { allowPrivate: true } })
      await relay.migrate()
      relay.on('error', (e) => void errors.push(e))
    })
    afterAll(() => relay?.stop())

    for (const [name, mount] of Object.entries(mounts)) {
      describe(name, () => {
        let mounted: Mounted
        beforeAll(async () => {
          mounted = await mount(relay, { authorize })
        })
        afterAll(() => mounted?.close())
        const post = (body: string, headers: Record<string, string> = {}) =>
          call(`${mounted.base}/endpoints`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })

        it('refuses a request without credentials before reading its body: malformed or 1.5 MiB, it is 401', async () => {
          verdict = () => false
          expect(await post('{"url": ')).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHORIZED' } } })
          expect(await post(BIG)).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHORIZED' } } })
          verdict = () => ({ status: 403 })
          expect(await post('{"url": ')).toMatchObject({ status: 403, json: { error: { code: 'FORBIDDEN' } } })
          expect(await post(BIG)).toMatchObject({ status: 403 })
          // authorize never sees a body, nor a way to read it.
          expect(shown.every((r) => r.body === undefined && r.readBody === undefined)).toBe(true)
          expect((await relay.endpoints.list()).data).toEqual([])
        })

        it('treats anything but true as a refusal: null, undefined, truthy values, an unknown status', async () => {
          for (const answer of [null, undefined, 1, 'yes', {}, { status: 401 }, { status: 200 }, Promise.resolve(null)]) {
            verdict = () => answer
            const refused = await post(JSON.stringify({ url: 'https://example.com/hook' }))
            expect({ answer, status: refused.status }).toEqual({ answer, status: 401 })
          }
          expect((await relay.endpoints.list()).data).toEqual([])
        })

        it('answers 500 and emits the error when authorize throws or rejects, and never grants', async () => {
          const before = errors.length
          verdict = () => {
            throw new Error('session store down')
          }
          const thrown = await post(JSON.stringify({ url: 'https://example.com/hook' }))
          verdict = () => Promise.reject(new Error('token service down'))
          const rejected = await call(`${mounted.base}/endpoints`)
          expect([thrown.status, rejected.status]).toEqual([500, 500])
          expect(thrown.json.error.code).toBe('INTERNAL')
          expect(JSON.stringify(thrown.json)).not.toMatch(/session store/)
          expect(errors.slice(before).map((e) => [e.context, e.error.message])).toEqual([
            ['admin.authorize', 'session store down'],
            ['admin.authorize', 'token service down'],
          ])
          expect((await relay.endpoints.list()).data).toEqual([])
        })

        it('once authorised, reads the body: malformed JSON is 400, 1.5 MiB is a readable 413, a good one is served', async () => {
          verdict = () => true
          const auth = { authorization: `Bearer ${TOKEN}` }
          expect(await post('{"url": ', auth)).toMatchObject({ status: 400, json: { error: { code: 'INVALID_JSON' } } })
          expect(await post(BIG, auth)).toMatchObject({ status: 413, json: { error: { code: 'PAYLOAD_TOO_LARGE' } } })
          const created = await post(JSON.stringify({ url: 'https://example.com/hook' }), auth)
          expect(created.status).toBe(201)
          await relay.endpoints.delete(created.json.id)
        })
      })
    }
  },
  [sqliteTarget],
)
