/**
 * The contenders of the delivery race: each enqueues the same n deliveries to the same receiver
 * (untimed), then is timed from starting its workers until the n-th delivery was acknowledged,
 * with 64 in flight, signing every request.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { Pool } from 'undici'
import { env } from '../support/env.js'

export interface Prepared {
  /** Starts the workers; resolves once they run. */
  start(): Promise<void>
  /** Resolves when the n-th delivery was acknowledged. */
  done: Promise<void>
  /** Stops the workers and removes the contender's schema, keys or files. */
  close(): Promise<void>
}

export interface Contender {
  name: string
  /** application_name of its Postgres connections; undefined when it uses no Postgres. */
  applicationName?: string
  /** Enqueues n deliveries to `url` with the workers off. */
  prepare(n: number, url: string): Promise<Prepared>
}

const SECRET = randomBytes(24)

/** The body every DIY contender sends, as hookrelay's is: the event as JSON. */
export const bodyOf = (i: number) =>
  JSON.stringify({ type: 'order.created', timestamp: new Date().toISOString(), data: { id: `ord_${i}`, total: 4200, items: [1, 2, 3] } })

/** A keep-alive connection pool to the receiver with a slot per concurrent delivery. */
export function receiverPool(url: string): { pool: Pool; path: string } {
  const u = new URL(url)
  return { pool: new Pool(u.origin, { connections: env.concurrency, keepAliveTimeout: 10_000 }), path: u.pathname }
}

/** POSTs a body signed as Standard Webhooks (HMAC-SHA256 over id.timestamp.body); throws on non-2xx. */
export async function postSigned(pool: Pool, path: string, id: string, body: string): Promise<void> {
  const timestamp = Math.floor(Date.now() / 1000)
  const signature = createHmac('sha256', SECRET).update(`${id}.${timestamp}.${body}`).digest('base64')
  const res = await pool.request({
    path,
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': `v1,${signature}`,
    },
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  })
  await res.body.dump()
  if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`receiver answered ${res.statusCode}`)
}

/** A promise with its resolve and reject, for "the n-th delivery" and "the first error". */
export function signal(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => undefined)
  return { promise, resolve, reject }
}
