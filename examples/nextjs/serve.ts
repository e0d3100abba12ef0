/**
 * Serves the Next.js route handler `app/api/webhooks/route.ts` without Next.js: a node http
 * server that turns each request into a Fetch `Request` (body streamed, untouched) and writes the
 * `Response` back, the way Next.js (or Hono's node server) calls a route handler.
 *
 *   npx tsx examples/nextjs/serve.ts     (WEBHOOK_SECRET=whsec_…, HOOKRELAY_DB=./hookrelay.db or DATABASE_URL=postgres://…)
 *
 * It listens on :3000, sends itself one signed webhook, and keeps serving until Ctrl-C. With
 * SMOKE=1 it exits after that first webhook.
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
// In your app: import { generateSecret, sign } from 'hookrelay/signing'
import { generateSecret, sign } from '../../src/signing/index.js'

export interface RunningExample {
  url: string
  close(): Promise<void>
}

/** Reads WEBHOOK_SECRET and HOOKRELAY_DB / DATABASE_URL from the environment, as the app would. */
export async function main({ port = Number(process.env.PORT ?? 3000) }: { port?: number } = {}): Promise<RunningExample> {
  const { POST } = await import('./app/api/webhooks/route.js')
  const { relay } = await import('./lib/hookrelay.js')
  const server = http.createServer(async (req, res) => {
    if (req.url !== '/api/webhooks' || req.method !== 'POST') {
      res.writeHead(404).end()
      return
    }
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v)
    }
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, {
      method: req.method,
      headers,
      body: Readable.toWeb(req) as ReadableStream,
      duplex: 'half',
    } as RequestInit)
    const response = await POST(request)
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(Buffer.from(await response.arrayBuffer()))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await relay.stop()
    },
  }
}

/** What a Standard Webhooks sender does: sign the exact body, POST it with the three headers. */
export async function sendTestWebhook(url: string, secret: string): Promise<Response> {
  const body = JSON.stringify({ type: 'order.created', timestamp: new Date().toISOString(), data: { id: 'ord_1', total: 4200 } })
  const headers = sign({ secret, id: `msg_${randomUUID()}`, payload: body })
  return fetch(url, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.env.WEBHOOK_SECRET ??= generateSecret()
  const example = await main()
  console.log(`POST ${example.url}, secret ${process.env.WEBHOOK_SECRET}`)
  // Inline mode: the handler has run by the time the answer comes back.
  const answer = await sendTestWebhook(example.url, process.env.WEBHOOK_SECRET)
  console.log(`test webhook answered ${answer.status} ${await answer.text()}`)
  if (process.env.SMOKE) await example.close()
  else process.once('SIGINT', () => void example.close())
}
