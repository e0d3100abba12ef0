import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachStorage } from '../support/storages.js'
import { T0 } from '../contract/fixtures.js'
import { openPlanProbe, type PlanProbe } from './plan-probe.js'

/**
 * The dashboard's message search (deliveries newest first, keyset on the id) reads about one page
 * of rows on a table holding far more: each search's statements are recorded as they ran and the
 * database is asked how it plans them (no full scan of a history table, and for a page in id
 * order, no sort of rows read from one). Postgres is asked before and after ANALYZE.
 */

const ROWS = 60_000
const ENDPOINTS = 10
const NOW = T0.getTime()

describeEachStorage('message search plans at production size', ({ env, target }) => {
  let probe: PlanProbe
  const searches: { name: string; run: () => Promise<unknown> }[] = []

  beforeAll(async () => {
    probe = await openPlanProbe(env(), 'search_')
    await probe.storage.migrate()
    // Numbers 1..ROWS, in each database's own way (MySQL has neither generate_series nor a
    // recursion depth that reaches ROWS by default: five cross-joined digit tables instead).
    const digits = `(select 0 as d ${[1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => `union all select ${d}`).join(' ')})`
    const series = (select: string, into: string) =>
      target.dialect === 'sqlite'
        ? `with recursive s(i) as (select 1 union all select i + 1 from s where i < ${ROWS}) insert into ${into} ${select} from s`
        : target.dialect === 'mysql'
          ? `insert into ${into} ${select} from (select a.d + b.d * 10 + c.d * 100 + e.d * 1000 + f.d * 10000 + 1 as i from ${digits} a ` +
            `cross join ${digits} b cross join ${digits} c cross join ${digits} e cross join ${digits} f) as s where i <= ${ROWS}`
          : `insert into ${into} ${select} from generate_series(1, ${ROWS}) as s(i)`
    const concat = (...parts: string[]) => (target.dialect === 'mysql' ? `concat(${parts.join(', ')})` : parts.join(' || '))
    const id = (prefix: string) =>
      target.dialect === 'sqlite'
        ? `'${prefix}_seed_' || printf('%08d', i)`
        : concat(`'${prefix}_seed_'`, target.dialect === 'mysql' ? `lpad(i, 8, '0')` : `lpad(i::text, 8, '0')`)
    if (target.dialect === 'postgres') {
      for (const name of ['messages', 'deliveries']) await probe.exec(`alter table ${probe.table(name)} set (autovacuum_enabled = false)`)
    }
    // A type sent once in 1,000 messages and a tenant with one in 2,000, beside common ones.
    const type = `case when i % 1000 = 0 then 'rare.event' else 'order.created' end`
    const tenant = `case when i % 2000 = 1 then 'small' else ${concat(`'tenant-'`, target.dialect === 'postgres' ? `(i % 5)::text` : `(i % 5)`)} end`
    await probe.exec(
      series(`(id, tenant, type, payload, channels, created_at) select ${id('msg')}, ${tenant}, ${type}, '{}', '[]', ${NOW} + i`, probe.table('messages')),
    )
    await probe.exec(
      series(
        `(id, message_id, endpoint_id, status, attempts, created_at, updated_at, completed_at) ` +
          `select ${id('dlv')}, ${id('msg')}, ${concat(`'ep_seed_'`, `(i % ${ENDPOINTS})`)}, 'succeeded', 1, ${NOW} + i, ${NOW} + i, ${NOW} + i`,
        probe.table('deliveries'),
      ),
    )
    const list = (filter: Parameters<typeof probe.storage.listDeliveries>[0]) => () => probe.storage.listDeliveries(filter)
    searches.push(
      { name: 'newest page', run: list({ limit: 50 }) },
      { name: 'a page further by cursor', run: list({ limit: 50, cursor: 'dlv_seed_00030000' }) },
      { name: 'by endpoint', run: list({ limit: 50, endpointId: 'ep_seed_3' }) },
      { name: 'by endpoint, by cursor', run: list({ limit: 50, endpointId: 'ep_seed_3', cursor: 'dlv_seed_00030003' }) },
      { name: 'by endpoint, dead only', run: list({ limit: 50, endpointId: 'ep_seed_3', status: 'dead' }) },
      { name: 'by common type', run: list({ limit: 50, eventType: 'order.created' }) },
      { name: 'by rare type', run: list({ limit: 50, eventType: 'rare.event' }) },
      { name: 'by rare type, by cursor', run: list({ limit: 20, eventType: 'rare.event', cursor: 'dlv_seed_00030000' }) },
      { name: 'by common tenant', run: list({ limit: 50, tenant: 'tenant-2' }) },
      { name: 'by small tenant and rare type', run: list({ limit: 50, tenant: 'small', eventType: 'rare.event' }) },
      { name: 'by small tenant, dead only', run: list({ limit: 50, tenant: 'small', status: 'dead' }) },
    )
  }, 600_000)
  afterAll(() => probe?.close())

  async function problems(ordered: boolean): Promise<string[]> {
    const found: string[] = []
    for (const { name, run } of searches) {
      const statements = await probe.record(run)
      expect(statements.length, name).toBeGreaterThan(0)
      for (const statement of statements) {
        for (const problem of await probe.problems(statement, { ordered, smallSorts: true })) {
          // SQLite walking an index in id order (the primary key's, newest first) stops after the page.
          if (/^SCAN \S+ USING (COVERING )?INDEX /.test(problem)) continue
          // So does MySQL walking the primary key (EXPLAIN calls that a full index scan; LIMIT ends it).
          if (/^full index scan of \S+ \(PRIMARY\)/.test(problem)) continue
          // Known gap: Postgres without statistics prices each id of an IN list at 0.5 % of the
          // table, so it scans deliveries for the messages' deliveries; after ANALYZE it reads the
          // message_id index (asserted below). Autovacuum analyzes a table soon after it grows.
          if (!ordered && /^Seq Scan on \S+deliveries/.test(problem) && /"message_id" in \(/.test(statement.sql)) continue
          found.push(`${name}: ${problem} in ${statement.sql}`)
        }
      }
    }
    return found
  }

  it('pages newest first, and by endpoint, walking an index in id order', async () => {
    // Known gap: Postgres without statistics may read one endpoint's rows below the cursor through
    // the index and sort them (never the whole table: asserted here); after ANALYZE it walks in order.
    expect(await problems(target.dialect === 'sqlite')).toEqual([])
    const page = await probe.storage.listDeliveries({ limit: 50, endpointId: 'ep_seed_3' })
    expect(page.data).toHaveLength(50)
    expect(page.data.every((d) => d.endpointId === 'ep_seed_3')).toBe(true)
  })

  it('finds a rare type or a small tenant a page at a time, newest message first, from the messages indexes', async () => {
    let rare = await probe.storage.listDeliveries({ limit: 1 })
    const statements = await probe.record(async () => (rare = await probe.storage.listDeliveries({ limit: 20, eventType: 'rare.event' })))
    // Messages first, by the type index (its plan is checked above), then their deliveries by message id.
    expect(statements.map((s) => s.sql).join('\n')).toMatch(/from \S*search_messa\S* where \S*type\S* = .* order by \S*id\S* desc limit/)
    expect(statements.map((s) => s.sql).join('\n')).toMatch(/message_id\S* in \(/)
    // Every 1,000th message is rare: the newest are 60,000, 59,000, …
    expect(rare.data.map((d) => d.messageId)).toEqual(Array.from({ length: 20 }, (_, i) => `msg_seed_${String(ROWS - i * 1000).padStart(8, '0')}`))
    const next = await probe.storage.listDeliveries({ limit: 20, eventType: 'rare.event', cursor: rare.nextCursor })
    expect(next.data.map((d) => d.messageId)).toEqual(Array.from({ length: 20 }, (_, i) => `msg_seed_${String(ROWS - (20 + i) * 1000).padStart(8, '0')}`))
    expect((await probe.storage.listDeliveries({ limit: 50, eventType: 'rare.event', cursor: next.nextCursor })).nextCursor).toBeNull()
    const small = await probe.storage.listDeliveries({ limit: 50, tenant: 'small' })
    expect(small.data.map((d) => d.messageId)).toEqual(Array.from({ length: 30 }, (_, i) => `msg_seed_${String(ROWS - 1999 - i * 2000).padStart(8, '0')}`))
    expect(small.nextCursor).toBeNull()
    // No dead delivery anywhere: the walk reads the small tenant's messages and ends, empty.
    expect(await probe.storage.listDeliveries({ limit: 50, tenant: 'small', status: 'dead' })).toEqual({ data: [], nextCursor: null })
  })

  it('keeps those plans once the database has statistics (ANALYZE)', async () => {
    await probe.exec('analyze')
    expect(await problems(true)).toEqual([])
  })
})
