/**
 * Receiving webhooks in an Express 5 app: a Standard Webhooks receiver (senders such as another
 * hookrelay, Svix, or anything using the `standardwebhooks` libraries) mounted with
 * `expressReceiver`, next to the app's own JSON routes. Each webhook is verified, stored once,
 * answered 200 at once, and handed to the handler on the relay's workers (retried if it throws).
 *
 *   npx tsx examples/express-receiver.ts     (WEBHOOK_SECRET=whsec_… to use your sender's secret)
 *
 * It listens on :3000, sends itself one signed webhook so you see the handler run, and keeps
 * serving until Ctrl-C. With SMOKE=1 it exits after that first webhook.
 */
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import express from 'express'
// In your app: import { createRelay, sqliteStorage, type Relay } from 'hookrelay'
import { createRelay, sqliteStorage, type Relay } from '../src/index.js'
// In your app: import { expressReceiver } from 'hookrelay/express'
import { expressReceiver } from '../src/adapters/express/index.js'
// In your app: import { generateSecret, sign } from 'hookrelay/signing'
import { generateSecret, sign } from '../src/signing/index.js'

export interface ExampleOptions {
  /** SQLite file. */
  filename?: string
  port?: number
  /** The sender's signing secret (`whsec_…`). */
  secret?: string
  log?: (line: string) => void
}

export interface RunningExample {
  url: string
  relay: Relay
  close(): Promise<void>
}

export async function main({
  filename = './hookrelay.db',
  port = Number(process.env.PORT ?? 3000),
  secret = process.env.WEBHOOK_SECRET ?? generateSecret(),
  log = console.log,
}: ExampleOptions = {}): Promise<RunningExample> {
  const relay = createRelay({ storage: sqliteStorage({ filename }) })
  relay.on('inbound.rejected', (e) => log(`refused a webhook: ${e.status} ${e.reason}`))

  const acme = relay.receiver({ name: 'acme', secret })
  acme.on<{ id: string; total: number }>('order.created', async (event, ctx) => {
    // Runs once per webhook id (redeliveries are recognised); throw to have it retried.
    log(`order ${event.data.id} created, total ${event.data.total} (webhook ${ctx.webhookId}, attempt ${ctx.attempt})`)
  })

  const app = express()
  app.post('/webhooks/acme', expressReceiver(acme)) // mounted BEFORE express.json(): it needs the raw body
  app.use(express.json())
  app.get('/health', (_req, res) => {
    res.json({ ok: true })
  })

  await relay.start() // migrates, then starts the workers that run the handlers
  const server = app.listen(port)
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/acme`
  return {
    url,
    relay,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await relay.stop() // lets running handlers finish
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
  const secret = process.env.WEBHOOK_SECRET ?? generateSecret()
  const example = await main({ secret })
  console.log(`receiving on ${example.url} with secret ${secret}`)
  const processed = new Promise((resolve) => example.relay.once('inbound.processed', resolve))
  const answer = await sendTestWebhook(example.url, secret)
  console.log(`test webhook answered ${answer.status} ${await answer.text()}`)
  await processed
  if (process.env.SMOKE) await example.close()
  else process.once('SIGINT', () => void example.close())
}
