/**
 * Durable send() rates, producer only (workers off), one endpoint subscribed to everything:
 * send() one at a time, send() from 32 concurrent callers, sendMany() in batches of 500; on
 * SQLite and on Postgres. Also the client CPU per message of each.
 *
 *   npx tsx bench/send.ts              (SENDS=2000 BATCHED=20000 by default; SQLITE_ONLY=1, PG_ONLY=1)
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

  let cpu = process.cpuUsage()
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
  cpu = process.cpuUsage()
  await relay.stop()
  return { oneAtATime, concurrent32, batches500, cpuMicrosPerSend }
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
