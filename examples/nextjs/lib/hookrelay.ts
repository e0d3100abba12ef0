/**
 * The app's relay (Next.js: `lib/hookrelay.ts`), created once per server process. Route handlers
 * import `orders` and `ready` from here.
 *
 * Serverless-friendly: the receiver runs in `inline` mode (its handlers run before the answer, so
 * nothing waits for a background worker that may never run) and the relay starts with
 * `workers: false` (it only migrates). The sender drives the retries: a handler that throws
 * answers 500, and the sender's next attempt runs it again. On a long-running `next start`
 * server you could use the default `durable` mode and `relay.start()` instead.
 */
// In your app: import { createRelay, postgresStorage, sqliteStorage, type Relay } from 'hookrelay'
import { createRelay, postgresStorage, sqliteStorage, type Relay } from '../../../src/index.js'

function createAppRelay(): { relay: Relay; ready: Promise<void> } {
  const relay = createRelay({
    storage: process.env.DATABASE_URL
      ? postgresStorage({ connectionString: process.env.DATABASE_URL })
      : sqliteStorage({ filename: process.env.HOOKRELAY_DB ?? './hookrelay.db' }),
  })
  return { relay, ready: relay.start({ workers: false }) }
}

// `next dev` re-evaluates modules on every change: keep one relay per process, as with a DB client.
const cache = globalThis as typeof globalThis & { hookrelay?: ReturnType<typeof createAppRelay> }
cache.hookrelay ??= createAppRelay()

export const { relay, ready } = cache.hookrelay

const secret = process.env.WEBHOOK_SECRET
if (!secret) throw new Error('Set WEBHOOK_SECRET to the sender’s signing secret (whsec_…)')

export const orders = relay.receiver({ name: 'orders', secret, mode: 'inline' })

orders.on<{ id: string; total: number }>('order.created', async (event, ctx) => {
  // Keyed on ctx.webhookId, your writes stay idempotent if the sender retries.
  console.log(`order ${event.data.id} created, total ${event.data.total} (webhook ${ctx.webhookId})`)
})
