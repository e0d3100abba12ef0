/**
 * Smoke tests of examples/: each example started as a user would (its exported `main()`), driven
 * by requests signed with the senders' own libraries (standardwebhooks, stripe,
 * @octokit/webhooks-methods), against real SQLite, Postgres and Redis. Plus every SQLite example
 * run as `SMOKE=1 tsx examples/<file>.ts`, which must exit 0 by itself.
 */
import { spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { sign as githubSign } from '@octokit/webhooks-methods'
import pg from 'pg'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { deleteKeys } from '../fleet/support/redis-keys.js'
import { eventually } from '../support/eventually.js'
import { POSTGRES_URL, REDIS_URL } from '../support/urls.js'

const STANDARD_SECRET = 'whsec_' + randomBytes(24).toString('base64')
const examples = fileURLToPath(new URL('../../examples/', import.meta.url))

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookrelay-examples-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

let n = 0
const dbFile = () => join(dir, `example-${++n}.db`)

/** A Standard Webhooks request signed by the official `standardwebhooks` library. */
function standardRequest(type: string, data: unknown, id = `msg_${randomUUID()}`, secret = STANDARD_SECRET) {
  const at = new Date()
  const body = JSON.stringify({ type, timestamp: at.toISOString(), data })
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  }
  return { method: 'POST', body, headers }
}

async function post(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, init)
  return { status: response.status, body: await response.json().catch(() => null) }
}

function logLines() {
  const lines: string[] = []
  return { lines, log: (line: string) => lines.push(line) }
}

describe('examples/express-receiver.ts', () => {
  it('accepts a signed webhook, runs the handler once, refuses a forgery', async () => {
    const { main } = await import('../../examples/express-receiver.js')
    const { lines, log } = logLines()
    const example = await main({ filename: dbFile(), port: 0, secret: STANDARD_SECRET, log })
    try {
      const request = standardRequest('order.created', { id: 'ord_7', total: 1200 })
      expect(await post(example.url, request)).toEqual({ status: 200, body: { received: true } })
      await eventually(() => expect(lines.filter((l) => l.startsWith('order ord_7 created, total 1200'))).toHaveLength(1))
      // A redelivery of the same webhook id is recognised, not handled again.
      expect(await post(example.url, request)).toEqual({ status: 200, body: { received: true, duplicate: true } })
      const forged = standardRequest('order.created', { id: 'ord_8' }, undefined, 'whsec_' + randomBytes(24).toString('base64'))
      expect((await post(example.url, forged)).status).toBe(401)
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(lines.filter((l) => l.startsWith('order '))).toHaveLength(1)
      expect(lines).toContain('refused a webhook: 401 NO_MATCHING_SIGNATURE')
    } finally {
      await example.close()
    }
  })
})

describe('examples/fastify-receiver.ts', () => {
  it('runs the handler, dead-letters a permanent error, and leaves the app’s JSON routes alone', async () => {
    const { main } = await import('../../examples/fastify-receiver.js')
    const { lines, log } = logLines()
    const example = await main({ filename: dbFile(), port: 0, secret: STANDARD_SECRET, log })
    try {
      expect((await post(example.url, standardRequest('invoice.paid', { invoiceId: 'in_9', amount: 990 }))).status).toBe(200)
      await eventually(() => expect(lines).toContain('invoice in_9 paid: 990'))

      expect((await post(example.url, standardRequest('invoice.paid', { invoiceId: 'in_bad' }))).status).toBe(200)
      await eventually(async () => {
        const dead = await example.relay.inbound.list({ status: 'dead', source: 'billing' })
        expect(dead.data).toHaveLength(1)
        expect(lines.filter((l) => l.includes('dead-lettered'))).toEqual([expect.stringContaining('invoice in_bad has no amount')])
      })

      const notes = await post(example.url.replace('/webhooks/billing', '/api/notes'), {
        method: 'POST',
        body: JSON.stringify({ text: 'hi' }),
        headers: { 'content-type': 'application/json' },
      })
      expect(notes).toEqual({ status: 200, body: { saved: { text: 'hi' } } })
    } finally {
      await example.close()
    }
  })
})

describe('examples/nextjs (route.ts behind a node http → fetch bridge)', () => {
  const keys = ['HOOKRELAY_DB', 'WEBHOOK_SECRET', 'DATABASE_URL'] as const
  const saved = Object.fromEntries(keys.map((key) => [key, process.env[key]]))
  afterEach(() => {
    for (const key of keys) {
      if (saved[key] === undefined) delete process.env[key]
      else process.env[key] = saved[key]
    }
    vi.restoreAllMocks()
  })

  it('POST runs the inline handler before answering and refuses a forgery', async () => {
    process.env.HOOKRELAY_DB = dbFile()
    process.env.WEBHOOK_SECRET = STANDARD_SECRET
    delete process.env.DATABASE_URL
    const logged = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const { main } = await import('../../examples/nextjs/serve.js')
    const example = await main({ port: 0 })
    try {
      const request = standardRequest('order.created', { id: 'ord_next', total: 5 })
      expect(await post(example.url, request)).toEqual({ status: 200, body: { received: true } })
      // Inline mode: the handler has already run when the answer arrives.
      expect(logged.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('order ord_next created, total 5'))).toHaveLength(1)
      expect((await post(example.url, request)).status).toBe(200)
      expect(logged.mock.calls.filter((c) => String(c[0]).startsWith('order ord_next'))).toHaveLength(1)
      const forged = standardRequest('order.created', { id: 'ord_x' }, undefined, 'whsec_' + randomBytes(24).toString('base64'))
      expect((await post(example.url, forged)).status).toBe(401)
    } finally {
      await example.close()
    }
  })
})

describe('examples/stripe-github.ts', () => {
  it('verifies Stripe (stripe’s test header) and GitHub (@octokit/webhooks-methods) requests and handles each once', async () => {
    const { main } = await import('../../examples/stripe-github.js')
    const { lines, log } = logLines()
    const stripeSecret = 'whsec_test_' + randomBytes(8).toString('hex')
    const githubSecret = 'github secret ' + randomBytes(8).toString('hex')
    const example = await main({ filename: dbFile(), port: 0, stripeSecret, githubSecret, log })
    try {
      const stripe = new Stripe('sk_test_x')
      const stripeBody = JSON.stringify({
        id: 'evt_smoke_1',
        object: 'event',
        type: 'payment_intent.succeeded',
        data: { object: { id: 'pi_smoke', object: 'payment_intent', amount: 2500, currency: 'usd' } },
      })
      const stripeRequest = () => ({
        method: 'POST',
        body: stripeBody,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: stripeBody, secret: stripeSecret }),
        },
      })
      expect(await post(`${example.origin}/webhooks/stripe`, stripeRequest())).toEqual({ status: 200, body: { received: true } })

      const githubBody = JSON.stringify({ action: 'opened', issue: { number: 42, title: 'Smoke' }, repository: { full_name: 'octo/smoke' } })
      const githubRequest = {
        method: 'POST',
        body: githubBody,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'issues',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': await githubSign(githubSecret, githubBody),
        },
      }
      expect((await post(`${example.origin}/webhooks/github`, githubRequest)).status).toBe(200)

      await eventually(() => {
        expect(lines).toContain('stripe: payment pi_smoke of 2500 usd succeeded (evt_smoke_1)')
        expect(lines.some((l) => l.startsWith('github: octo/smoke#42 opened: Smoke'))).toBe(true)
      })
      // Stripe redelivers the same event with a fresh signature: recognised by its evt_ id.
      expect(await post(`${example.origin}/webhooks/stripe`, stripeRequest())).toEqual({ status: 200, body: { received: true, duplicate: true } })
      // A body signed with the wrong secret.
      const wrong = { ...githubRequest, headers: { ...githubRequest.headers, 'x-hub-signature-256': await githubSign('nope', githubBody) } }
      expect((await post(`${example.origin}/webhooks/github`, wrong)).status).toBe(401)
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(lines.filter((l) => l.startsWith('stripe: payment'))).toHaveLength(1)
      expect(lines.filter((l) => l.startsWith('github: octo/smoke'))).toHaveLength(1)
    } finally {
      await example.close()
    }
  })
})

describe('examples/prometheus-metrics.ts', () => {
  it('counts deliveries from events and serves them on /metrics', async () => {
    const { main } = await import('../../examples/prometheus-metrics.js')
    const example = await main({ filename: dbFile(), port: 0 })
    try {
      let delivered = 0
      example.relay.on('delivery.succeeded', () => delivered++)
      await example.sendSome(12)
      await eventually(() => expect(delivered).toBe(12))
      const text = await (await fetch(example.metricsUrl)).text()
      const value = (series: string) => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1])
      expect(value('hookrelay_delivery_attempts_total{outcome="succeeded",type="order.created"}')).toBe(12)
      expect(value('hookrelay_delivery_duration_seconds_count{outcome="succeeded"}')).toBe(12)
      expect(value('hookrelay_deliveries{status="succeeded"}')).toBe(12)
      expect(value('hookrelay_deliveries{status="pending"}')).toBe(0)
      expect(value('hookrelay_delivery_lag_seconds')).toBe(0)
    } finally {
      await example.close()
    }
  })
})

/** A fresh Postgres database for one example (examples use the default `public` schema, as an app would). */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hookrelay_example_${randomBytes(4).toString('hex')}`
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 })
  await admin.query(`create database "${name}"`)
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`drop database if exists "${name}" with (force)`)
      await admin.end()
    },
  }
}

describe.skipIf(!inject('postgresAvailable'))('examples/postgres-outbox.ts', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>
  beforeAll(async () => {
    database = await freshDatabase()
  })
  afterAll(async () => {
    await database?.drop()
  })

  it('delivers an order’s webhook after its transaction commits, and nothing of a rolled-back one', async () => {
    const { main, OutOfStockError } = await import('../../examples/postgres-outbox.js')
    const example = await main({ connectionString: database.url, log: () => undefined })
    try {
      await example.placeOrder({ id: 'ord_ok', sku: 'mug', quantity: 2 })
      await eventually(() => expect(example.received).toEqual(['ord_ok']))

      await expect(example.placeOrder({ id: 'ord_big', sku: 'mug', quantity: 50 })).rejects.toBeInstanceOf(OutOfStockError)

      // Nothing goes out while the transaction is open; it does once it commits.
      const db = example.relay.storage.db
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('shop_orders').values({ id: 'ord_slow', sku: 'cup', quantity: 1 }).execute()
        await example.relay.send({ type: 'order.created', data: { id: 'ord_slow', sku: 'cup', quantity: 1 } }, { transaction: tx })
        await new Promise((resolve) => setTimeout(resolve, 700))
        expect(example.received).toEqual(['ord_ok'])
      })
      await eventually(() => expect(example.received).toEqual(['ord_ok', 'ord_slow']))

      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(example.received).not.toContain('ord_big')
      const rows = await db.selectFrom('shop_orders').select('id').orderBy('id').execute()
      expect(rows.map((r) => r.id)).toEqual(['ord_ok', 'ord_slow'])
      const deliveries = await example.relay.deliveries.list({})
      expect(deliveries.data.map((d) => d.status)).toEqual(['succeeded', 'succeeded'])
    } finally {
      await example.close()
    }
  })
})

describe.skipIf(!inject('postgresAvailable') || !inject('redisAvailable'))('examples/postgres-redis-fleet.ts', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>
  const keyPrefix = `hookrelay-example-test-${randomBytes(4).toString('hex')}:`
  beforeAll(async () => {
    database = await freshDatabase()
  })
  afterAll(async () => {
    await database?.drop()
    await deleteKeys(REDIS_URL, keyPrefix)
  })

  it('two worker processes share the deliveries through Redis, each delivered once', async () => {
    const { main } = await import('../../examples/postgres-redis-fleet.js')
    const example = await main({ connectionString: database.url, redisUrl: REDIS_URL, keyPrefix, workers: 2 })
    try {
      for (let i = 0; i < 400; i += 100) {
        await example.producer.sendMany(Array.from({ length: 100 }, (_, j) => ({ type: 'order.created', data: { n: i + j } })))
      }
      await eventually(() => expect(example.received()).toBe(400), 40_000)
      await eventually(() => expect([...example.deliveredBy.values()].reduce((a, b) => a + b, 0)).toBe(400))
      expect(example.deliveredBy.size).toBe(2)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(example.received()).toBe(400)
    } finally {
      await example.close()
    }
  }, 90_000)
})

describe('running the SQLite examples directly with SMOKE=1', () => {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  const files = ['express-receiver.ts', 'fastify-receiver.ts', 'nextjs/serve.ts', 'stripe-github.ts', 'prometheus-metrics.ts']

  it.concurrent.each(files)('%s starts, handles its own test webhook and exits 0', async (file) => {
    const cwd = await mkdtemp(join(dir, 'cli-'))
    const child = spawn(process.execPath, ['--import', tsx, join(examples, file)], {
      cwd,
      env: { ...process.env, SMOKE: '1', PORT: '0', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 40_000)
      child.once('exit', (exitCode) => {
        clearTimeout(timer)
        resolve(exitCode)
      })
    })
    expect(code, output).toBe(0)
    expect(output).toMatch(/answered 200|hookrelay_delivery_attempts_total\{outcome="succeeded"/)
  }, 60_000)
})
