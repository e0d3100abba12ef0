/**
 * Message search of the dashboard on a seeded SQLite relay: the time of one page (50 rows) for
 * common searches, with `messages` deliveries already stored (sent, never delivered: no workers).
 *
 *   npx tsx bench/dashboard-search.ts [messages=100000]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRelay, sqliteStorage } from '../src/index.js'
import { searchMessages, type MessageSearchQuery } from '../src/dashboard/message-search.js'

const messages = Number(process.argv[2] ?? 100_000)
const dir = await mkdtemp(join(tmpdir(), 'hookrelay-search-bench-'))
const relay = createRelay({ storage: sqliteStorage({ filename: join(dir, 'relay.db') }), network: { allowPrivate: true } })
await relay.migrate()
const endpoints = [await relay.endpoints.create({ url: 'http://127.0.0.1:9/a' }), await relay.endpoints.create({ url: 'http://127.0.0.1:9/b' })]
const types = ['order.created', 'order.paid', 'invoice.paid', 'customer.updated']
const seedStart = performance.now()
for (let i = 0; i < messages; i += 1000) {
  await relay.sendMany(
    Array.from({ length: Math.min(1000, messages - i) }, (_, k) => ({
      type: (i + k) % 1000 === 0 ? 'rare.event' : types[(i + k) % types.length]!,
      data: { n: i + k },
      endpointIds: [endpoints[(i + k) % 2]!.id],
    })),
  )
}
console.log(`  seeded ${messages} messages and deliveries in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`)

const first = await searchMessages(relay, { limit: 50 })
const deep = await (async () => {
  let cursor = first.nextCursor
  for (let i = 0; i < 20 && cursor; i++) cursor = (await searchMessages(relay, { limit: 50, cursor })).nextCursor
  return cursor!
})()
const cases: [string, MessageSearchQuery][] = [
  ['newest page, no filter', { limit: 50 }],
  ['page 21 (cursor)', { limit: 50, cursor: deep }],
  ['by endpoint', { limit: 50, endpointId: endpoints[1]!.id }],
  ['by common event type', { limit: 50, type: 'order.paid' }],
  ['by rare event type (1 in 1000)', { limit: 50, type: 'rare.event' }],
  ['by status pending', { limit: 50, status: 'pending' }],
  ['by status class 5xx (none match: 10 pages scanned)', { limit: 50, statusClass: '5xx' }],
  ['by message id', { q: first.data[7]!.delivery.messageId }],
]
for (const [name, query] of cases) {
  const times: number[] = []
  for (let i = 0; i < 5; i++) {
    const start = performance.now()
    await searchMessages(relay, query)
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  console.log(`  ${name.padEnd(52)} median ${times[2]!.toFixed(1)} ms, max ${times[4]!.toFixed(1)} ms`)
}
await relay.stop()
await rm(dir, { recursive: true, force: true })
