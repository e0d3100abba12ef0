/**
 * The dashboard's message search at scale, on SQLite and Postgres: `messages` messages with a
 * delivery each, seeded straight in SQL (10 endpoints, 5 tenants plus a small one, 4 common event
 * types plus one in 1,000), then the median of 5 runs of one page (50 rows) per search.
 *
 *   npx tsx bench/dashboard-search-scale.ts [messages=1000000] [sqlite|postgres|both=both]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createRelay, postgresStorage, sqliteStorage, type Relay } from '../src/index.js'
import { searchMessages, type MessageSearchQuery } from '../src/dashboard/message-search.js'

const total = Number(process.argv[2] ?? 1_000_000)
const which = process.argv[3] ?? 'both'
const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const NOW = Date.now()

async function seed(run: (sql: string) => Promise<void>, dialect: 'sqlite' | 'postgres', t: (name: string) => string): Promise<void> {
  const series = (select: string, into: string) =>
    dialect === 'sqlite'
      ? `with recursive s(i) as (select 1 union all select i + 1 from s where i < ${total}) insert into ${into} ${select} from s`
      : `insert into ${into} ${select} from generate_series(1, ${total}) as s(i)`
  const id = (prefix: string) => (dialect === 'sqlite' ? `'${prefix}_' || printf('%08d', i)` : `'${prefix}_' || lpad(i::text, 8, '0')`)
  const type = `case when i % 1000 = 0 then 'rare.event' else (case i % 4 when 0 then 'order.created' when 1 then 'order.paid' when 2 then 'invoice.paid' else 'customer.updated' end) end`
  const tenant = `case when i % 2000 = 1 then 'small' else 'tenant-' || (i % 5) end`
  for (let e = 0; e < 10; e++) {
    await run(
      `insert into ${t('endpoints')} (id, url, event_types, channels, secrets, headers, metadata, ordering, created_at, updated_at) ` +
        `values ('ep_${e}', 'https://example.com/${e}', '[]', '[]', '[]', '{}', '{}', 'none', ${NOW}, ${NOW})`,
    )
  }
  await run(series(`(id, tenant, type, payload, channels, created_at) select ${id('msg')}, ${tenant}, ${type}, '{}', '[]', ${NOW - total} + i`, t('messages')))
  await run(
    series(
      `(id, message_id, endpoint_id, status, attempts, next_attempt_at, last_status_code, created_at, updated_at, completed_at) ` +
        `select ${id('dlv')}, ${id('msg')}, 'ep_' || (i % 10), 'succeeded', 1, null, 200, ${NOW - total} + i, ${NOW - total} + i, ${NOW - total} + i`,
      t('deliveries'),
    ),
  )
}

async function measure(name: string, relay: Relay): Promise<void> {
  const cases: [string, MessageSearchQuery][] = [
    ['newest page, no filter', { limit: 50 }],
    ['by endpoint', { limit: 50, endpointId: 'ep_3' }],
    ['by common event type', { limit: 50, type: 'order.paid' }],
    ['by rare event type (1 in 1,000)', { limit: 50, type: 'rare.event' }],
    ['by tenant (1 in 5)', { limit: 50, tenant: 'tenant-2' }],
    ['by small tenant (1 in 2,000)', { limit: 50, tenant: 'small' }],
    ['by small tenant and rare type', { limit: 50, tenant: 'small', type: 'rare.event' }],
    ['by endpoint, page 2', { limit: 50, endpointId: 'ep_3', cursor: 'dlv_00500003' }],
  ]
  console.log(`${name}, ${total.toLocaleString('en')} messages and deliveries:`)
  for (const [label, query] of cases) {
    const times: number[] = []
    let rows = 0
    for (let i = 0; i < 5; i++) {
      const start = performance.now()
      rows = (await searchMessages(relay, query)).data.length
      times.push(performance.now() - start)
    }
    times.sort((a, b) => a - b)
    console.log(`  ${label.padEnd(36)} median ${times[2]!.toFixed(1).padStart(7)} ms  max ${times[4]!.toFixed(1).padStart(7)} ms  (${rows} rows)`)
  }
}

if (which === 'sqlite' || which === 'both') {
  const dir = await mkdtemp(join(tmpdir(), 'hookrelay-search-scale-'))
  const storage = sqliteStorage({ filename: join(dir, 'relay.db') })
  const relay = createRelay({ storage })
  await relay.migrate()
  const started = performance.now()
  await seed(async (sql) => void (await import('kysely')).sql.raw(sql).execute(storage.db), 'sqlite', (n) => `"hookrelay_${n}"`)
  console.log(`seeded SQLite in ${((performance.now() - started) / 1000).toFixed(0)} s`)
  await measure('SQLite', relay)
  await relay.stop()
  await rm(dir, { recursive: true, force: true })
}
if (which === 'postgres' || which === 'both') {
  const schema = `bench_search_${process.pid}`
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 })
  await admin.query(`create schema ${schema}`)
  try {
    const relay = createRelay({ storage: postgresStorage({ connectionString: POSTGRES_URL, schema }) })
    await relay.migrate()
    const started = performance.now()
    await seed(async (sql) => void (await admin.query(sql)), 'postgres', (n) => `"${schema}"."hookrelay_${n}"`)
    await admin.query(`analyze "${schema}"."hookrelay_messages"; analyze "${schema}"."hookrelay_deliveries"`)
    console.log(`seeded Postgres in ${((performance.now() - started) / 1000).toFixed(0)} s (then ANALYZE)`)
    await measure('Postgres', relay)
    await relay.stop()
  } finally {
    await admin.query(`drop schema ${schema} cascade`)
    await admin.end()
  }
}
