/**
 * Receiving webhooks in a Fastify 5 app with `fastifyReceiver`: an encapsulated plugin that keeps
 * raw bodies for its own route only, so the rest of the app parses JSON as usual. The handler
 * retries on a short schedule when it throws, and a `PermanentError` (a payload it can never
 * handle) sends the webhook straight to the dead-letter queue (`relay.inbound.list({ status: 'dead' })`).
 *
 *   npx tsx examples/fastify-receiver.ts     (WEBHOOK_SECRET=whsec_… to use your sender's secret)
 *
 * It listens on :3000, sends itself one signed webhook so you see the handler run, and keeps
 * serving until Ctrl-C. With SMOKE=1 it exits after that first webhook.
 */
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
// In your app: import { createRelay, sqliteStorage, PermanentError, type Relay } from 'hookrelay'
import { createRelay, sqliteStorage, PermanentError, type Relay } from '../src/index.js'
// In your app: import { fastifyReceiver } from 'hookrelay/fastify'
import { fastifyReceiver } from '../src/adapters/fastify/index.js'
// In your app: import { generateSecret, sign } from 'hookrelay/signing'
import { generateSecret, sign } from '../src/signing/index.js'

export interface ExampleOptions {
  filename?: string
  port?: number
  secret?: string
  log?: (line: string) => void
}

export interface RunningExample {
  url: string
  relay: Relay
  close(): Promise<void>
}

interface InvoicePaid {
  invoiceId: string
  amount: number
}

export async function main({
  filename = './hookrelay.db',
  port = Number(process.env.PORT ?? 3000),
  secret = process.env.WEBHOOK_SECRET ?? generateSecret(),
  log = console.log,
}: ExampleOptions = {}): Promise<RunningExample> {
  const relay = createRelay({ storage: sqliteStorage({ filename }) })
  relay.on('inbound.failed', (e) => log(`handler failed (attempt ${e.attempt}): ${e.error}; retrying at ${e.nextAttemptAt.toISOString()}`))
  relay.on('inbound.dead', (e) => log(`webhook ${e.webhookId} dead-lettered: ${e.error}`))

  const billing = relay.receiver({ name: 'billing', secret, retry: { schedule: ['1s', '10s', '1m'] } })
  billing.on<InvoicePaid>('invoice.paid', async (event) => {
    if (typeof event.data.amount !== 'number') throw new PermanentError(`invoice ${event.data.invoiceId} has no amount`)
    log(`invoice ${event.data.invoiceId} paid: ${event.data.amount}`)
  })

  const fastify = Fastify()
  fastify.post('/api/notes', async (request) => ({ saved: request.body })) // parsed JSON, as usual
  await fastify.register(fastifyReceiver(billing), { path: '/webhooks/billing' })

  await relay.start()
  await fastify.listen({ port, host: '127.0.0.1' })
  const { port: bound } = fastify.server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${bound}/webhooks/billing`,
    relay,
    async close() {
      await fastify.close()
      await relay.stop()
    },
  }
}

/** What a Standard Webhooks sender does: sign the exact body, POST it with the three headers. */
export async function sendTestWebhook(url: string, secret: string, data: unknown = { invoiceId: 'in_1', amount: 4200 }): Promise<Response> {
  const body = JSON.stringify({ type: 'invoice.paid', timestamp: new Date().toISOString(), data })
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
