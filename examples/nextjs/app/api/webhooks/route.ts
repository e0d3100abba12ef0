/**
 * A Next.js App Router route handler (`app/api/webhooks/route.ts`): POST /api/webhooks verifies,
 * stores once and handles a Standard Webhooks request. `fetchReceiver` reads the raw body itself;
 * never call `request.json()` or `request.text()` before it.
 *
 * Run it without Next.js through a tiny node http → Fetch bridge: `npx tsx examples/nextjs/serve.ts`.
 */
// In your app: import { fetchReceiver } from 'hookrelay/fetch'
import { fetchReceiver } from '../../../../../src/adapters/fetch/index.js'
// In your app: import { orders, ready } from '@/lib/hookrelay'
import { orders, ready } from '../../../lib/hookrelay.js'

export const runtime = 'nodejs' // better-sqlite3 and pg need Node, not the Edge runtime

const handle = fetchReceiver(orders)

export async function POST(request: Request): Promise<Response> {
  await ready // the tables exist before the first webhook is stored
  return handle(request)
}
