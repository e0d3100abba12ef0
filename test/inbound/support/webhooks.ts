import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { sign as githubSign } from '@octokit/webhooks-methods'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'

/** Secrets as each provider shows them. */
export const STANDARD_SECRET = 'whsec_' + Buffer.from('hookrelay-inbound-test-secret!!!').toString('base64')
export const STRIPE_SECRET = 'whsec_stripe_test_5f1c0ffee'
export const GITHUB_SECRET = 'It is a secret to everybody'

/** A request a sender would make: body text and headers. */
export interface SignedRequest {
  body: string
  headers: Record<string, string>
}

const stripe = new Stripe('sk_test_x')

/** A Standard Webhooks request signed by the official `standardwebhooks` library. */
export function standardRequest(
  options: { id?: string; type?: string; data?: unknown; secret?: string; at?: Date; body?: string } = {},
): SignedRequest & { id: string } {
  const id = options.id ?? `msg_${randomUUID()}`
  const at = options.at ?? new Date()
  const body =
    options.body ?? JSON.stringify({ type: options.type ?? 'order.created', timestamp: at.toISOString(), data: options.data ?? { id: 'ord_1' } })
  const signature = new Webhook(options.secret ?? STANDARD_SECRET).sign(id, at, body)
  return {
    id,
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    },
  }
}

/** A Stripe request signed by the official `stripe` library's test helper. */
export function stripeRequest(
  options: { id?: string; type?: string; object?: unknown; secret?: string; at?: Date } = {},
): SignedRequest & { id: string } {
  const id = options.id ?? `evt_${randomUUID().replaceAll('-', '')}`
  const body = JSON.stringify(
    { id, object: 'event', type: options.type ?? 'payment_intent.succeeded', data: { object: options.object ?? { id: 'pi_1', amount: 4200 } } },
    null,
    2,
  )
  const header = stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: options.secret ?? STRIPE_SECRET,
    ...(options.at ? { timestamp: Math.floor(options.at.getTime() / 1000) } : {}),
  })
  return { id, body, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header } }
}

/** A GitHub request signed by `@octokit/webhooks-methods`. */
export async function githubRequest(
  options: { delivery?: string; event?: string; action?: string; secret?: string } = {},
): Promise<SignedRequest & { id: string }> {
  const id = options.delivery ?? randomUUID()
  const body = JSON.stringify({ action: options.action ?? 'opened', issue: { number: 1347, title: 'Found a bug' }, repository: { full_name: 'octo/hello' } })
  return {
    id,
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-delivery': id,
      'x-github-event': options.event ?? 'issues',
      'x-hub-signature-256': await githubSign(options.secret ?? GITHUB_SECRET, body),
      'user-agent': 'GitHub-Hookshot/044aadd',
    },
  }
}

/** What the server answered. */
export interface Answer {
  status: number
  headers: Headers
  text: string
  json: Record<string, unknown> | null
}

/** POSTs (or sends `method`) over real HTTP. */
export async function post(url: string, request: { body?: string | Buffer; headers?: Record<string, string> }, method = 'POST'): Promise<Answer> {
  const response = await fetch(url, { method, body: request.body, headers: request.headers })
  const text = await response.text()
  let json: Record<string, unknown> | null = null
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    json = null
  }
  return { status: response.status, headers: response.headers, text, json }
}

/** A real HTTP server on 127.0.0.1. */
export interface Served {
  /** The base URL, e.g. `http://127.0.0.1:40123`. */
  origin: string
  close(): Promise<void>
}

export async function serve(handler: http.RequestListener): Promise<Served> {
  const server = http.createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
