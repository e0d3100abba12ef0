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
    await probe.exec(series(`(id, type, payload, channels, created_at) select ${id('msg')}, 'order.created', '{}', '[]', ${NOW} + i`, probe.table('messages')))
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
    )
  }, 600_000)
  afterAll(() => probe?.close())

  async function problems(ordered: boolean): Promise<string[]> {
    const found: string[] = []
    for (const { name, run } of searches) {
      const statements = await probe.record(run)
      expect(statements.length, name).toBeGreaterThan(0)
      for (const statement of statements) {
        for (const problem of await probe.problems(statement, { ordered })) {
          // SQLite walking an index in id order (the primary key's, newest first) stops after the page.
          if (/^SCAN \S+ USING (COVERING )?INDEX /.test(problem)) continue
          // So does MySQL walking the primary key (EXPLAIN calls that a full index scan; LIMIT ends it).
          if (/^full index scan of \S+ \(PRIMARY\)/.test(problem)) continue
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

  it('keeps those plans once the database has statistics (ANALYZE)', async () => {
    await probe.exec('analyze')
    expect(await problems(true)).toEqual([])
  })
})
