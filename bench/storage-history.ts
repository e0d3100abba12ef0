/**
 * The storage's share of a delivery (claim + settle, no HTTP) with history in the tables, beside
 * empty tables: cost per delivery must not grow with the rows already delivered.
 *
 *   npx tsx bench/storage-history.ts sqlite 1000000          SQLite, 1M delivered rows vs none
 *   npx tsx bench/storage-history.ts postgres 1000000        Postgres (DATABASE_URL or local test db)
 *
 * `seedDeliveredHistory` is exported for other benchmarks: it writes history straight in SQL
 * (one INSERT … SELECT per table), which takes seconds where the API would take minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql, type Kysely } from 'kysely'
import type { KyselyStorage } from '../src/storage/kysely/kysely-storage.js'
import { postgresStorage } from '../src/storage/dialect/postgres/postgres-storage.js'
import { sqliteStorage } from '../src/storage/dialect/sqlite/sqlite-storage.js'

const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** The storage's tables as SQL names (schema-qualified on Postgres). */
function tableOf(storage: KyselyStorage, schema: string | undefined) {
  return (name: 'endpoints' | 'messages' | 'deliveries' | 'attempts') =>
    (schema ? `"${schema}".` : '') + `"${storage.tableName(name)}"`
}

/** Rows `1..n` of a generated series, as the source of an `INSERT … SELECT`. */
function insertSeries(dialect: KyselyStorage['dialect'], n: number, into: string, select: string): string {
  return dialect === 'sqlite'
    ? `with recursive s(i) as (select 1 union all select i + 1 from s where i < ${n}) insert into ${into} ${select} from s`
    : `insert into ${into} ${select} from generate_series(1, ${n}) as s(i)`
}

/**
 * `rows` delivered messages, each with one succeeded delivery and one attempt, to the endpoint
 * `endpointId` (created if missing), dated before `before`.
 */
export async function seedDeliveredHistory(
  storage: KyselyStorage,
  options: { rows: number; schema?: string; endpointId?: string; before?: number },
): Promise<void> {
  const db: Kysely<any> = storage.db
  const dialect = storage.dialect
  const t = tableOf(storage, options.schema)
  const endpoint = options.endpointId ?? 'ep_history'
  const end = options.before ?? Date.now()
  const at = `${end - options.rows - 1} + i`
  const id = (prefix: string) =>
    dialect === 'sqlite' ? `'${prefix}_hist_' || printf('%09d', i)` : `'${prefix}_hist_' || lpad(i::text, 9, '0')`
  await sql
    .raw(
      `insert into ${t('endpoints')} (id, url, event_types, channels, secrets, headers, metadata, ordering, created_at, updated_at) ` +
        `values ('${endpoint}', 'https://example.com/hook', '[]', '[]', '[]', '{}', '{}', 'none', 0, 0) on conflict do nothing`,
    )
    .execute(db)
  await sql
    .raw(insertSeries(dialect, options.rows, t('messages'), `(id, type, payload, channels, created_at) select ${id('msg')}, 'order.created', '{"n":1}', '[]', ${at}`))
    .execute(db)
  await sql
    .raw(
      insertSeries(
        dialect,
        options.rows,
        t('deliveries'),
        `(id, message_id, endpoint_id, status, attempts, next_attempt_at, created_at, updated_at, completed_at) ` +
          `select ${id('dlv')}, ${id('msg')}, '${endpoint}', 'succeeded', 1, null, ${at}, ${at}, ${at}`,
      ),
    )
    .execute(db)
  await sql
    .raw(
      insertSeries(
        dialect,
        options.rows,
        t('attempts'),
        `(id, delivery_id, message_id, endpoint_id, number, started_at, duration_ms, status_code, outcome, triggered_by) ` +
          `select ${id('att')}, ${id('dlv')}, ${id('msg')}, '${endpoint}', 1, ${at}, 5, 200, 'succeeded', 'scheduled'`,
      ),
    )
    .execute(db)
}

/** `count` pending deliveries due now, straight in SQL. */
async function seedBacklog(storage: KyselyStorage, count: number, schema: string | undefined): Promise<void> {
  const t = tableOf(storage, schema)
  const now = Date.now()
  const id = (prefix: string) => (storage.dialect === 'sqlite' ? `'${prefix}_due_' || i` : `'${prefix}_due_' || i::text`)
  await sql
    .raw(insertSeries(storage.dialect, count, t('messages'), `(id, type, payload, channels, created_at) select ${id('msg')}, 'order.created', '{"n":1}', '[]', ${now}`))
    .execute(storage.db)
  await sql
    .raw(
      insertSeries(
        storage.dialect,
        count,
        t('deliveries'),
        `(id, message_id, endpoint_id, status, attempts, next_attempt_at, created_at, updated_at) ` +
          `select ${id('dlv')}, ${id('msg')}, 'ep_history', 'pending', 0, ${now - count} + i, ${now}, ${now}`,
      ),
    )
    .execute(storage.db)
}

/** Claims batches of 50 and settles each as delivered until `count` are done; µs per delivery. */
async function drain(storage: KyselyStorage, count: number) {
  let done = 0
  let claimNs = 0n
  let settleNs = 0n
  let attempt = 0
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  while (done < count) {
    const a = process.hrtime.bigint()
    const claimed = await storage.claimDeliveries({ owner: 'bench', limit: 50, leaseMs: 60_000, now: new Date() })
    const b = process.hrtime.bigint()
    if (claimed.length === 0) break
    const at = new Date()
    await storage.settle(
      claimed.map(({ delivery }) => ({
        deliveryId: delivery.id,
        owner: 'bench',
        status: 'succeeded' as const,
        nextAttemptAt: null,
        at,
        attempt: {
          id: `att_bench_${++attempt}`,
          deliveryId: delivery.id,
          messageId: delivery.messageId,
          endpointId: delivery.endpointId,
          number: 1,
          startedAt: at,
          durationMs: 3,
          statusCode: 200,
          responseBody: 'ok',
          error: null,
          outcome: 'succeeded' as const,
          trigger: 'scheduled' as const,
        },
      })),
    )
    claimNs += b - a
    settleNs += process.hrtime.bigint() - b
    done += claimed.length
  }
  const wallUs = Number(process.hrtime.bigint() - start) / 1e3
  const used = process.cpuUsage(cpu)
  return {
    deliveries: done,
    perSecond: Math.round(done / (wallUs / 1e6)),
    claimUs: Math.round(Number(claimNs) / 1e3 / done),
    settleUs: Math.round(Number(settleNs) / 1e3 / done),
    clientCpuUs: Math.round((used.user + used.system) / done),
  }
}

async function run(dialect: KyselyStorage['dialect'], history: number, deliveries: number) {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-history-'))
  const schema = dialect === 'postgres' ? `bench_history_${process.pid}_${history}` : undefined
  const open = () =>
    dialect === 'sqlite'
      ? sqliteStorage({ filename: join(dir, 'bench.db') })
      : postgresStorage({ connectionString: POSTGRES_URL, schema: schema! })
  const seeding = open()
  await seeding.migrate()
  await seedDeliveredHistory(seeding, { rows: history, schema })
  await seedBacklog(seeding, deliveries, schema)
  // Reopen, as a relay that has run for a while would find its database: on SQLite the history is
  // checkpointed out of the write-ahead log instead of being read through it.
  await seeding.close()
  const storage = open()
  try {
    return await drain(storage, deliveries)
  } finally {
    if (schema) await sql.raw(`drop schema "${schema}" cascade`).execute(storage.db)
    await storage.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dialect = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite'
  const history = Number(process.argv[3] ?? 1_000_000)
  const deliveries = Number(process.argv[4] ?? 10_000)
  const empty = await run(dialect, 0, deliveries)
  console.log(JSON.stringify({ dialect, history: 0, ...empty }))
  const full = await run(dialect, history, deliveries)
  console.log(JSON.stringify({ dialect, history, ...full }))
  console.log(`ratio deliveries/s with ${history} rows ÷ empty: ${(full.perSecond / empty.perSecond).toFixed(2)}`)
}
