/**
 * The SQLite statements of a drain, replayed without the engine around them: a storage-level drain
 * of 20,000 deliveries (claims of 25, each settled at once) is recorded statement by statement
 * (text and parameters), then replayed on copies of the seeded file, interleaved, 6 rounds:
 *   a. as recorded (the claim commits on its own, the settle in its transaction);
 *   b. each claim moved into the next settle's transaction (one commit per claim and settle).
 * Prints the CPU per delivery of each round and the medians: the cost of the statements alone, and
 * what a shared commit would save.
 *
 *   node --import tsx bench/profile/sqlite-replay.mts
 *
 * Measured 2026-12-02 (2 × AMD EPYC, medians of four runs): a 37.3, 40.6, 36.1, 37.2; b 33.9, 37.3, 36.3,
 * 32.9 µs per delivery: a shared commit would save ~3 µs per delivery (none in one run of the four).
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createRelay, sqliteStorage } from '../../src/index.js'
import { aroundStatements } from './statement-hook.mjs'

const Database = createRequire(import.meta.url)('better-sqlite3')
type Op = { method: 'run' | 'all'; source: string; params: unknown[] }
let recording: Op[] | null = null
aroundStatements((method, source, params, run) => {
  if (recording && (method === 'run' || method === 'all')) recording.push({ method, source, params })
  return run()
})

const N = 20_000
const BATCH = 25
const dir = '/tmp/prof-engine'
mkdirSync(dir, { recursive: true })
const file = `${dir}/replay-${process.pid}.db`

// Seed N pending deliveries to one endpoint, and keep a copy of the file as it is then.
const seeding = createRelay({ storage: sqliteStorage({ filename: file, tablePrefix: 'hr_' }), network: { allowPrivate: true } })
await seeding.start({ workers: false })
const endpoint = await seeding.endpoints.create({ url: 'http://127.0.0.1:9/x' })
for (let k = 0; k < N; k += 500) {
  await seeding.sendMany(Array.from({ length: 500 }, (_, j) => ({ type: 'order.created', data: { id: `ord_${k + j}`, total: 4200, items: [1, 2, 3] } })))
}
await seeding.stop()
copyFileSync(file, `${file}.seed`)

// Record a drain through the storage API (the statements the engine runs, without HTTP).
const storage = sqliteStorage({ filename: file, tablePrefix: 'hr_' })
const draining = createRelay({ storage })
await draining.start({ workers: false, migrate: false })
recording = []
let delivered = 0
const t0 = Date.now()
for (;;) {
  const claimed = await storage.claimDeliveries({ owner: 'w1', limit: BATCH, leaseMs: 600_000, now: new Date(t0) })
  if (claimed.length === 0) break
  const at = new Date(t0 + 1)
  const settlements = claimed.map((c) => {
    const attempt = {
      id: `att_${String(++delivered).padStart(12, '0')}`,
      deliveryId: c.delivery.id,
      messageId: c.message.id,
      endpointId: endpoint.id,
      number: 1,
      startedAt: at,
      durationMs: 1,
      statusCode: 200,
      responseBody: null,
      error: null,
      outcome: 'succeeded' as const,
      trigger: 'scheduled' as const,
    }
    return { deliveryId: c.delivery.id, owner: 'w1', status: 'succeeded' as const, nextAttemptAt: null, at, attempt }
  })
  await storage.settle(settlements, [{ endpointId: endpoint.id, kind: 'success' }])
}
const ops = recording
recording = null
await draining.stop()

const isClaim = (source: string) => source.includes("set status = 'delivering'")

function replay(mode: 'a' | 'b'): number {
  const copy = `${file}.${mode}`
  copyFileSync(`${file}.seed`, copy)
  const db = new Database(copy)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  const statements = new Map<string, { run(p: unknown[]): unknown; all(p: unknown[]): unknown }>()
  const statement = (source: string) => {
    let s = statements.get(source)
    if (!s) statements.set(source, (s = db.prepare(source)))
    return s!
  }
  const before = process.cpuUsage()
  let open = false
  for (const op of ops) {
    if (mode === 'b') {
      if (isClaim(op.source) && !open) {
        statement('begin immediate').run([])
        open = true
      } else if (op.source.startsWith('begin')) {
        if (open) continue
        open = true
      } else if (op.source === 'commit') open = false
    }
    if (op.method === 'all') statement(op.source).all(op.params)
    else statement(op.source).run(op.params)
  }
  if (open) statement('commit').run([])
  const used = process.cpuUsage(before)
  db.close()
  for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true })
  return (used.user + used.system) / delivered
}

const results = { a: [] as number[], b: [] as number[] }
for (let round = 0; round < 6; round++) {
  for (const mode of round % 2 ? (['b', 'a'] as const) : (['a', 'b'] as const)) results[mode].push(replay(mode))
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
console.log(`${ops.length} statements recorded for ${delivered} deliveries`)
for (const mode of ['a', 'b'] as const) {
  console.log(`${mode}: ${results[mode].map((x) => x.toFixed(1)).join(' ')} µs per delivery; median ${median(results[mode]).toFixed(1)}`)
}
for (const suffix of ['', '-wal', '-shm', '.seed']) rmSync(file + suffix, { force: true })
