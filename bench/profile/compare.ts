/**
 * Before/after on the same machine in the same process: hookrelay from two source trees (say a
 * `git archive` of the base commit and this worktree), interleaved round by round against one
 * receiver process, each round a fresh database of BENCH_N enqueued deliveries drained by a relay
 * with concurrency 64. Prints each round, then the median rate and client CPU of each tree and the
 * ratio of the medians. The bare undici loop runs in every round too, as the machine's yardstick.
 *
 *   node --import tsx bench/profile/compare.ts sqlite /tmp/base /work/wt/engine
 *
 * Dialect: sqlite, postgres or postgres+redis; DELAY_MS=20 for the slow receiver.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { bareLoop } from '../contenders/bare.js'
import { clientCpu, PostgresServerCpu } from '../support/cpu.js'
import { deadline, dropSchemas, env, runTag, withApplicationName } from '../support/env.js'
import { deleteKeys } from '../../test/fleet/support/redis-keys.js'
import { startReceiver, type Receiver } from '../support/receiver.js'

type Lib = typeof import('../../src/index.js')
const [dialect = 'sqlite', ...roots] = process.argv.slice(2)
if (roots.length === 0) throw new Error('usage: compare.ts <dialect> <root> [<root> …]')
const libs = await Promise.all(roots.map(async (r) => (await import(pathToFileURL(join(r, 'src/index.ts')).href)) as Lib))
const dir = mkdtempSync(join(tmpdir(), 'hookrelay-compare-'))
let made = 0

interface Round {
  perSecond: number
  cpu: number
  server?: number
  inFlight: number
}

async function once(lib: Lib, n: number, receiver: Receiver): Promise<Round> {
  const id = `${runTag}_cmp${++made}`
  const filename = join(dir, `${id}.db`)
  const appName = dialect === 'sqlite' ? undefined : id
  const storage = () =>
    dialect === 'sqlite'
      ? lib.sqliteStorage({ filename, tablePrefix: 'hr_' })
      : lib.postgresStorage({ connectionString: withApplicationName(env.postgresUrl, id), schema: id, tablePrefix: 'hr_', max: 10 })
  const relay = () =>
    lib.createRelay({
      storage: storage(),
      ...(dialect === 'postgres+redis' ? { queue: lib.redisQueue({ redis: env.redisUrl, keyPrefix: `${id}:` }) } : {}),
      network: { allowPrivate: true },
      delivery: { concurrency: env.concurrency },
    })
  try {
    const producer = relay()
    await producer.start({ workers: false })
    await producer.endpoints.create({ url: receiver.url })
    for (let i = 0; i < n; i += 500) {
      await producer.sendMany(Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ type: 'order.created', data: { id: `ord_${i + j}`, total: 4200, items: [1, 2, 3] } })))
    }
    await producer.stop()
    const worker = relay()
    let delivered = 0
    const done = new Promise<void>((resolve) => worker.on('delivery.succeeded', () => ++delivered === n && resolve()))
    worker.on('error', (e) => console.error(`[${e.context}]`, e.error.message))
    const server = appName ? new PostgresServerCpu(appName) : undefined
    await server?.start()
    await receiver.reset()
    const cpu = clientCpu()
    const started = performance.now()
    await worker.start({ migrate: false })
    await deadline(done, `${n} deliveries`)
    const seconds = (performance.now() - started) / 1000
    const micros = cpu.stop()
    const serverMicros = await server?.stop()
    await server?.close()
    await worker.stop()
    const stats = await receiver.stats()
    return { perSecond: n / seconds, cpu: micros / n, ...(serverMicros === undefined ? {} : { server: serverMicros / n }), inFlight: stats.inFlightAvg }
  } finally {
    if (dialect === 'sqlite') for (const s of ['', '-wal', '-shm']) rmSync(`${filename}${s}`, { force: true })
    else await dropSchemas([id])
    if (dialect === 'postgres+redis') await deleteKeys(env.redisUrl, `${id}:`)
  }
}

async function bare(n: number, receiver: Receiver): Promise<Round> {
  const prepared = await bareLoop.prepare(n, receiver.url)
  await receiver.reset()
  const cpu = clientCpu()
  const started = performance.now()
  await prepared.start()
  await prepared.done
  const seconds = (performance.now() - started) / 1000
  const micros = cpu.stop()
  await prepared.close()
  return { perSecond: n / seconds, cpu: micros / n, inFlight: (await receiver.stats()).inFlightAvg }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const receiver = await startReceiver()
try {
  await receiver.configure({ delayMs: Number(process.env.DELAY_MS ?? 0) })
  for (const lib of libs) await once(lib, env.warmup, receiver)
  await bare(env.warmup, receiver)
  const results: Round[][] = [[], ...libs.map(() => [])]
  for (let round = 1; round <= env.rounds; round++) {
    const b = await bare(env.n, receiver)
    results[0]!.push(b)
    const line = [`round ${round}: bare ${Math.round(b.perSecond)}/s ${Math.round(b.cpu)} µs`]
    for (const [i, lib] of libs.entries()) {
      const r = await once(lib, env.n, receiver)
      results[i + 1]!.push(r)
      line.push(`${roots[i]} ${Math.round(r.perSecond)}/s ÷bare ${(r.perSecond / b.perSecond).toFixed(2)} ${Math.round(r.cpu)} µs${r.server === undefined ? '' : ` + ${Math.round(r.server)} µs server`} in flight ${r.inFlight.toFixed(1)}`)
    }
    console.log(line.join(' | '))
  }
  const names = ['bare', ...roots]
  const med = results.map((rs) => ({ rate: median(rs.map((r) => r.perSecond)), cpu: median(rs.map((r) => r.cpu)), server: rs[0]?.server === undefined ? undefined : median(rs.map((r) => r.server!)), inFlight: median(rs.map((r) => r.inFlight)) }))
  for (const [i, m] of med.entries()) {
    console.log(`median ${names[i]}: ${Math.round(m.rate)}/s, ÷bare ${(m.rate / med[0]!.rate).toFixed(2)}, ÷first ${i > 0 ? (m.rate / med[1]!.rate).toFixed(2) : '-'}, client ${Math.round(m.cpu)} µs${m.server === undefined ? '' : `, server ${Math.round(m.server)} µs`}, in flight ${m.inFlight.toFixed(1)}`)
  }
} finally {
  await receiver.close()
  rmSync(dir, { recursive: true, force: true })
}
