/**
 * Receiving Stripe and GitHub webhooks on a plain `node:http` server with `nodeReceiver`: one
 * receiver per sender, each with its scheme (`'stripe'`: the `Stripe-Signature` header and the
 * event's `evt_…` id; `'github'`: `X-Hub-Signature-256`, `X-GitHub-Delivery` and `X-GitHub-Event`).
 * Each webhook is stored once by the sender's id, so Stripe's and GitHub's redeliveries are
 * answered 200 and not handled twice.
 *
 *   STRIPE_WEBHOOK_SECRET=whsec_… GITHUB_WEBHOOK_SECRET=… npx tsx examples/stripe-github.ts
 *
 * Point `stripe listen --forward-to localhost:3000/webhooks/stripe` and a GitHub repository's
 * webhook (content type application/json) at it. It also sends itself one signed webhook of each
 * kind at start, and keeps serving until Ctrl-C; with SMOKE=1 it exits after those.
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
// In your app: import { createRelay, sqliteStorage, type Relay } from 'hookrelay'
import { createRelay, sqliteStorage, type Relay } from '../src/index.js'
// In your app: import { nodeReceiver } from 'hookrelay/node'
import { nodeReceiver } from '../src/adapters/node/index.js'
// In your app: import { sign } from 'hookrelay/signing'
import { sign } from '../src/signing/index.js'

export interface ExampleOptions {
  filename?: string
  port?: number
  stripeSecret?: string
  githubSecret?: string
  log?: (line: string) => void
}

export interface RunningExample {
  /** The server's origin; the receivers are on /webhooks/stripe and /webhooks/github. */
  origin: string
  relay: Relay
  close(): Promise<void>
}

interface PaymentIntent {
  object: { id: string; amount: number; currency: string }
}

interface IssuesEvent {
  issue: { number: number; title: string }
  repository: { full_name: string }
}

export async function main({
  filename = './hookrelay.db',
  port = Number(process.env.PORT ?? 3000),
  stripeSecret = process.env.STRIPE_WEBHOOK_SECRET ?? 'whsec_local_stripe_test',
  githubSecret = process.env.GITHUB_WEBHOOK_SECRET ?? 'local github secret',
  log = console.log,
}: ExampleOptions = {}): Promise<RunningExample> {
  const relay = createRelay({ storage: sqliteStorage({ filename }) })
  relay.on('inbound.rejected', (e) => log(`${e.source}: refused (${e.status} ${e.reason})`))

  const stripe = relay.receiver({ name: 'stripe', scheme: 'stripe', secret: stripeSecret })
  stripe.on<PaymentIntent>('payment_intent.succeeded', async (event) => {
    const intent = event.data.object // Stripe: event.data is { object, previous_attributes }
    log(`stripe: payment ${intent.id} of ${intent.amount} ${intent.currency} succeeded (${event.webhookId})`)
  })

  const github = relay.receiver({ name: 'github', scheme: 'github', secret: githubSecret })
  github.on<IssuesEvent>('issues.opened', async (event, ctx) => {
    // GitHub: the type is X-GitHub-Event + '.' + payload.action; event.data is the whole payload.
    log(`github: ${event.data.repository.full_name}#${event.data.issue.number} opened: ${event.data.issue.title} (delivery ${ctx.webhookId})`)
  })
  github.on('ping', async () => log('github: ping'))

  const routes: Record<string, http.RequestListener> = {
    '/webhooks/stripe': nodeReceiver(stripe),
    '/webhooks/github': nodeReceiver(github),
  }
  const server = http.createServer((req, res) => {
    const route = routes[req.url ?? '']
    if (route) return route(req, res)
    res.writeHead(404).end()
  })

  await relay.start()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    relay,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await relay.stop()
    },
  }
}

/** A request as Stripe sends it (the same header `stripe.webhooks.generateTestHeaderString` makes). */
export async function sendStripeTestWebhook(origin: string, secret: string): Promise<Response> {
  const body = JSON.stringify({
    id: `evt_${randomUUID().replaceAll('-', '')}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    data: { object: { id: 'pi_1', object: 'payment_intent', amount: 4200, currency: 'eur' } },
  })
  const headers = sign({ scheme: 'stripe', secret, payload: body })
  return fetch(`${origin}/webhooks/stripe`, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } })
}

/** A request as GitHub sends it. */
export async function sendGithubTestWebhook(origin: string, secret: string): Promise<Response> {
  const body = JSON.stringify({ action: 'opened', issue: { number: 1347, title: 'Found a bug' }, repository: { full_name: 'octo/hello' } })
  const headers = {
    ...sign({ scheme: 'github', secret, payload: body }),
    'content-type': 'application/json',
    'x-github-event': 'issues',
    'x-github-delivery': randomUUID(),
  }
  return fetch(`${origin}/webhooks/github`, { method: 'POST', body, headers })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stripeSecret = process.env.STRIPE_WEBHOOK_SECRET ?? 'whsec_local_stripe_test'
  const githubSecret = process.env.GITHUB_WEBHOOK_SECRET ?? 'local github secret'
  const example = await main({ stripeSecret, githubSecret })
  console.log(`receiving on ${example.origin}/webhooks/stripe and ${example.origin}/webhooks/github`)
  let processed = 0
  const both = new Promise<void>((resolve) => example.relay.on('inbound.processed', () => ++processed === 2 && resolve()))
  for (const answer of [await sendStripeTestWebhook(example.origin, stripeSecret), await sendGithubTestWebhook(example.origin, githubSecret)]) {
    console.log(`test webhook answered ${answer.status} ${await answer.text()}`)
  }
  await both
  if (process.env.SMOKE) await example.close()
  else process.once('SIGINT', () => void example.close())
}
