/**
 * Durable send() rates, producer only (workers off), one endpoint subscribed to everything:
 * send() one at a time, send() from 32 concurrent callers, sendMany() in batches of 500; on
 * SQLite and on Postgres. Also the client CPU per message of each.
 *
 * Then, on SQLite with workers polling every second, the time from the commit of an outbox send
 * (`send(event, { transaction })`) to its arrival at a local receiver: the commit must wake them.
 *
 *   npx tsx bench/send.ts              (SENDS=2000 BATCHED=20000 by default; SQLITE_ONLY=1, PG_ONLY=1)
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createRelay, postgresStorage, sqliteStorage, type Storage } from '../src/index.js'

export interface SendFigures {
  oneAtATime: number
  concurrent32: number
  batches500: number
  cpuMicrosPerSend: number
}

const SENDS = Number(process.env.SENDS ?? 2_000)
const BATCHED = Number(process.env.BATCHED ?? 20_000)
const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function measure(storage: Storage): Promise<SendFigures> {
  const relay = createRelay({ storage, network: { allowPrivate: true } })
  await relay.start({ workers: false })
  await relay.endpoints.create({ url: 'http://127.0.0.1:9/h' })
  const data = { id: 'ord_1', total: 4200, items: [1, 2, 3] }
  // Warm-up: the JIT, the statement caches, the pool.
  for (let i = 0; i < 200; i++) await relay.send({ type: 'order.created', data })

  const cpu = process.cpuUsage()
  let t = performance.now()
  for (let i = 0; i < SENDS; i++) await relay.send({ type: 'order.created', data })
  const oneAtATime = SENDS / ((performance.now() - t) / 1000)
  const used = process.cpuUsage(cpu)
  const cpuMicrosPerSend = (used.user + used.system) / SENDS

  t = performance.now()
  let next = 0
  const caller = async () => {
    while (next < SENDS * 2) {
      next++
      await relay.send({ type: 'order.created', data })
    }
  }
  await Promise.all(Array.from({ length: 32 }, caller))
  const concurrent32 = (SENDS * 2) / ((performance.now() - t) / 1000)

  t = performance.now()
  for (let i = 0; i < BATCHED; i += 500) {
    await relay.sendMany(Array.from({ length: Math.min(500, BATCHED - i) }, () => ({ type: 'order.created', data })))
  }
  const batches500 = BATCHED / ((performance.now() - t) / 1000)
  await relay.stop()
  return { oneAtATime, concurrent32, batches500, cpuMicrosPerSend }
}

/** Commit of an outbox send on SQLite → its request at a receiver in this process: p50 and p90, ms. */
async function outboxLatency(filename: string, count = 50): Promise<{ p50: number; p90: number }> {
  let arrived: (() => void) | null = null
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.end()
      arrived?.()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const relay = createRelay({ storage: sqliteStorage({ filename }), network: { allowPrivate: true }, delivery: { pollInterval: '1s' } })
  await relay.start()
  await relay.endpoints.create({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/h` })
  const latencies: number[] = []
  for (let i = 0; i < count; i++) {
    const received = new Promise<void>((resolve) => (arrived = resolve))
    const settled = new Promise<void>((resolve) => relay.once('delivery.succeeded', () => resolve()))
    await relay.storage.db.transaction().execute((tx) => relay.send({ type: 'order.created', data: { i } }, { transaction: tx }))
    const committed = performance.now()
    await received
    latencies.push(performance.now() - committed)
    // Let the workers go idle (the settlement's commit wakes them for one more look), as between
    // the sends of a real app: otherwise that look finds the next send and hides the wake-up's cost.
    await settled
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await relay.stop()
  server.close()
  latencies.sort((a, b) => a - b)
  return { p50: latencies[Math.floor(count * 0.5)]!, p90: latencies[Math.floor(count * 0.9)]! }
}

export async function runSendBench(log: (line: string) => void = console.log): Promise<Record<string, SendFigures>> {
  const out: Record<string, SendFigures> = {}
  const show = (name: string, f: SendFigures) =>
    log(
      `${name.padEnd(9)} one at a time ${f.oneAtATime.toFixed(0).padStart(6)}/s (${f.cpuMicrosPerSend.toFixed(0)} µs CPU each)` +
        `   32 concurrent ${f.concurrent32.toFixed(0).padStart(6)}/s   batches of 500 ${f.batches500.toFixed(0).padStart(6)}/s`,
    )
  if (!process.env.PG_ONLY) {
    const dir = mkdtempSync(join(tmpdir(), 'hookrelay-send-'))
    try {
      out.sqlite = await measure(sqliteStorage({ filename: join(dir, 'send.db') }))
      show('SQLite', out.sqlite)
      const outbox = await outboxLatency(join(dir, 'outbox.db'))
      log(`SQLite    outbox send, commit → receiver (poll 1 s): p50 ${outbox.p50.toFixed(1)} ms, p90 ${outbox.p90.toFixed(1)} ms`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  if (!process.env.SQLITE_ONLY) {
    const schema = `bench_send_${randomBytes(3).toString('hex')}`
    try {
      out.postgres = await measure(postgresStorage({ connectionString: POSTGRES_URL, schema, max: 10 }))
      show('Postgres', out.postgres)
    } finally {
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 })
      await pool.query(`drop schema if exists "${schema}" cascade`)
      await pool.end()
    }
  }
  return out
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runSendBench().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
