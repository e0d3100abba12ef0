/**
 * Sending webhooks from Postgres with a transactional outbox: the order row and its
 * `order.created` webhook commit together in one transaction, or neither does. Nothing is sent
 * before the commit, and nothing at all after a rollback. A small local receiver (standing in for
 * your customer's endpoint) verifies each delivery's signature.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx examples/postgres-outbox.ts
 *
 * It places one order that commits and one that rolls back, shows what was delivered, and exits.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
// In your app: import { createRelay, postgresStorage, type Relay } from 'hookrelay'
import { createRelay, postgresStorage, type Relay } from '../src/index.js'
// In your app: import { verify } from 'hookrelay/signing'
import { verify } from '../src/signing/index.js'

export interface Order {
  id: string
  sku: string
  quantity: number
}

export class OutOfStockError extends Error {}

export interface RunningExample {
  relay: Relay
  /** Stores the order and sends `order.created` in one transaction; throws (and stores neither) when out of stock. */
  placeOrder(order: Order): Promise<void>
  /** Ids of the orders the receiver got, in arrival order. */
  received: string[]
  close(): Promise<void>
}

const STOCK = 10

export async function main({
  connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  log = console.log,
}: { connectionString?: string; log?: (line: string) => void } = {}): Promise<RunningExample> {
  const relay = createRelay({
    storage: postgresStorage({ connectionString }),
    network: { allowPrivate: true }, // the demo receiver is on 127.0.0.1; leave this off in production
  })
  relay.on('delivery.succeeded', (e) => log(`delivered ${e.type} ${e.messageId} (attempt ${e.attempt}, ${e.durationMs} ms)`))
  await relay.start()

  // Your own table, on the same database.
  const db = relay.storage.db
  await db.schema
    .createTable('shop_orders')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .execute()

  const receiver = await startCustomerReceiver(relay, log)

  async function placeOrder(order: Order): Promise<void> {
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('shop_orders').values(order).execute()
      await relay.send({ type: 'order.created', data: order, idempotencyKey: `order-created-${order.id}` }, { transaction: tx })
      // Anything that throws from here on rolls back the order AND the webhook.
      if (order.quantity > STOCK) throw new OutOfStockError(`only ${STOCK} of ${order.sku} left`)
    })
  }

  return {
    relay,
    placeOrder,
    received: receiver.received,
    async close() {
      await receiver.close()
      await relay.stop()
    },
  }
}

/** The customer's side: verifies the Standard Webhooks signature with the endpoint's secret. */
async function startCustomerReceiver(relay: Relay, log: (line: string) => void) {
  const received: string[] = []
  let secret = ''
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const payload = Buffer.concat(chunks).toString()
      try {
        verify({ secret, payload, headers: req.headers })
      } catch {
        res.writeHead(401).end()
        return
      }
      const { data } = JSON.parse(payload) as { data: Order }
      received.push(data.id)
      log(`customer received order ${data.id}`)
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const endpoint = await relay.endpoints.create({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    eventTypes: ['order.*'],
  })
  secret = endpoint.secret
  return {
    received,
    async close() {
      await relay.endpoints.delete(endpoint.id) // the demo endpoint goes with the demo receiver
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const example = await main()
  const suffix = Date.now().toString(36)
  await example.placeOrder({ id: `ord_${suffix}_1`, sku: 'mug', quantity: 2 })
  console.log(`ord_${suffix}_1 committed`)
  await example.placeOrder({ id: `ord_${suffix}_2`, sku: 'mug', quantity: 50 }).catch((error: Error) => {
    console.log(`ord_${suffix}_2 rolled back: ${error.message}; no row, no webhook`)
  })
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  console.log(`the customer received: ${example.received.join(', ') || 'nothing yet'}`)
  await example.close()
}
