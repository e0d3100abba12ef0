import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import express from 'express'
import Fastify from 'fastify'
import type { Receiver } from '../../src/index.js'
import { expressReceiver } from '../../src/adapters/express/index.js'
import { fastifyReceiver } from '../../src/adapters/fastify/index.js'
import { fetchReceiver } from '../../src/adapters/fetch/index.js'
import { nodeReceiver } from '../../src/adapters/node/index.js'
import { serve } from '../inbound/support/webhooks.js'

/** A receiver served by a real framework on 127.0.0.1. */
export interface Mounted {
  /** Where the receiver answers. */
  url: string
  /** Another route of the same app that parses JSON as usual, where the framework has one. */
  jsonUrl?: string
  close(): Promise<void>
}

/** A real Express 5 app: the receiver on its route, the app's JSON parser after it for the rest. */
export async function mountExpress(receiver: Receiver): Promise<Mounted> {
  const app = express()
  app.post('/webhooks', expressReceiver(receiver))
  app.use(express.json())
  app.post('/api/echo', (req, res) => {
    res.json({ got: req.body })
  })
  return listen(app, '/webhooks', '/api/echo')
}

/** A real Fastify 5 instance with a JSON route next to the receiver's plugin. */
export async function mountFastify(receiver: Receiver): Promise<Mounted> {
  const fastify = Fastify()
  fastify.post('/api/echo', async (request) => ({ got: request.body }))
  await fastify.register(fastifyReceiver(receiver), { path: '/webhooks' })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  const { port } = fastify.server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    jsonUrl: `http://127.0.0.1:${port}/api/echo`,
    close: () => fastify.close(),
  }
}

/** A bare `http.createServer`. */
export async function mountNode(receiver: Receiver): Promise<Mounted> {
  const served = await serve(nodeReceiver(receiver))
  return { url: `${served.origin}/webhooks`, close: served.close }
}

/**
 * `fetchReceiver` behind a tiny node http → Fetch bridge, as Next.js, Hono's node server or any
 * Request/Response runtime runs it: the handler sees a real `Request` with a streamed body.
 */
export async function mountFetch(receiver: Receiver): Promise<Mounted> {
  const handler = fetchReceiver(receiver)
  const served = await serve(async (req, res) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v)
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const request = new Request(`http://127.0.0.1${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit)
    const response = await handler(request)
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(Buffer.from(await response.arrayBuffer()))
  })
  return { url: `${served.origin}/webhooks`, close: served.close }
}

export const mounts = { express: mountExpress, fastify: mountFastify, node: mountNode, fetch: mountFetch } as const

async function listen(app: express.Express, path: string, jsonPath?: string): Promise<Mounted> {
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${path}`,
    ...(jsonPath ? { jsonUrl: `http://127.0.0.1:${port}${jsonPath}` } : {}),
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export { listen as listenExpress }
