/**
 * Durable enqueue rates: one at a time, 32 concurrent callers, and batches of 500, each for
 * BENCH_SEND_SECONDS, with the workers off: hookrelay `send()`/`sendMany()` on SQLite and on
 * Postgres (one subscribed endpoint, so every send also fans out one delivery), BullMQ
 * `add()`/`addBulk()`, graphile-worker `addJob()`/`addJobs()` and pg-boss `send()`/`insert()`.
 * Client CPU per message (this process) and, on Postgres, the server CPU of the sender's backends.
 *
 *   npx tsx bench/send-rates.ts            (BENCH_SEND_SECONDS=1 for a quick run)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bullQueue } from './contenders/bullmq.js'
import { bodyOf } from './contenders/contender.js'
import { graphileSchema } from './contenders/graphile.js'
import { pgBossSchema } from './contenders/pgboss.js'
import { clientCpu, PostgresServerCpu } from './support/cpu.js'
import { env, postgresReachable, redisReachable, runTag } from './support/env.js'
import { fmt, printTable, type BenchTable } from './support/figures.js'
import { benchEvent, createTarget, DIALECT_LABEL, type Dialect } from './support/hookrelay.js'

interface Sender {
  name: string
  applicationName?: string
  one(i: number): Promise<unknown>
  many(from: number, count: number): Promise<unknown>
  close(): Promise<void>
}

async function hookrelaySender(dialect: Dialect, dir: string): Promise<Sender> {
  const target = createTarget(dialect, dir)
  const relay = target.relay()
  await relay.start({ workers: false })
  await relay.endpoints.create({ url: 'http://127.0.0.1:9/webhook' })
  return {
    name: `${DIALECT_LABEL[dialect]} send() / sendMany()`,
    ...(target.applicationName ? { applicationName: target.applicationName } : {}),
    one: (i) => relay.send(benchEvent(i)),
    many: (from, count) => relay.sendMany(Array.from({ length: count }, (_, j) => benchEvent(from + j))),
    async close() {
      await relay.stop()
      await target.cleanup()
    },
  }
}

function bullSender(): Sender {
  const q = bullQueue()
  return {
    name: 'BullMQ add() / addBulk()',
    one: (i) => q.queue.add('webhook', { id: `msg_${i}`, body: bodyOf(i) }),
    many: (from, count) => q.queue.addBulk(Array.from({ length: count }, (_, j) => ({ name: 'webhook', data: { id: `msg_${from + j}`, body: bodyOf(from + j) } }))),
    close: () => q.close(),
  }
}

async function graphileSender(): Promise<Sender> {
  const applicationName = `${runTag}_graphile_send`
  const db = await graphileSchema(applicationName)
  return {
    name: 'graphile-worker addJob() / addJobs()',
    applicationName,
    one: (i) => db.utils.addJob('webhook', { id: `msg_${i}`, body: bodyOf(i) }),
    many: (from, count) =>
      db.utils.addJobs(Array.from({ length: count }, (_, j) => ({ identifier: 'webhook', payload: { id: `msg_${from + j}`, body: bodyOf(from + j) } }))),
    close: () => db.close(),
  }
}

async function pgBossSender(): Promise<Sender> {
  const applicationName = `${runTag}_pgboss_send`
  const db = await pgBossSchema(applicationName)
  return {
    name: 'pg-boss send() / insert()',
    applicationName,
    one: (i) => db.boss.send(db.queue, { id: `msg_${i}`, body: bodyOf(i) }),
    many: (from, count) => db.boss.insert(Array.from({ length: count }, (_, j) => ({ name: db.queue, data: { id: `msg_${from + j}`, body: bodyOf(from + j) } }))),
    close: () => db.close(),
  }
}

type Mode = 'one at a time' | '32 concurrent callers' | 'batches of 500'
const MODES: Mode[] = ['one at a time', '32 concurrent callers', 'batches of 500']

interface Rate {
  perSecond: number
  clientCpuMicros: number
  serverCpuMicros?: number
}

async function measure(sender: Sender, mode: Mode): Promise<Rate> {
  const server = sender.applicationName ? new PostgresServerCpu(sender.applicationName) : undefined
  try {
    await server?.start()
    let sent = 0
    const cpu = clientCpu()
    const started = performance.now()
    const end = started + env.sendSeconds * 1000
    const caller = async () => {
      while (performance.now() < end) await sender.one(sent++)
    }
    if (mode === 'one at a time') await caller()
    else if (mode === '32 concurrent callers') await Promise.all(Array.from({ length: 32 }, caller))
    else
      while (performance.now() < end) {
        await sender.many(sent, 500)
        sent += 500
      }
    const seconds = (performance.now() - started) / 1000
    const clientMicros = cpu.stop()
    const serverMicros = await server?.stop()
    return {
      perSecond: sent / seconds,
      clientCpuMicros: clientMicros / sent,
      ...(serverMicros === undefined ? {} : { serverCpuMicros: serverMicros / sent }),
    }
  } finally {
    await server?.close()
  }
}

export async function runSendBench(log: (line: string) => void = console.log): Promise<BenchTable[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-bench-send-'))
  const postgres = await postgresReachable()
  const redis = await redisReachable()
  const makers: (() => Promise<Sender>)[] = [() => hookrelaySender('sqlite', dir)]
  if (postgres) makers.push(() => hookrelaySender('postgres', dir))
  if (redis) makers.push(async () => bullSender())
  if (postgres) makers.push(graphileSender, pgBossSender)
  const rows: string[][] = []
  const rates: { name: string; perSecond: number[] }[] = []
  try {
    // Warm-up: the JIT and the SQLite statement cache.
    const warm = await hookrelaySender('sqlite', dir)
    for (let i = 0; i < 500; i++) await warm.one(i)
    await warm.close()
    for (const make of makers) {
      const sender = await make()
      try {
        const cells: string[] = []
        const perSecond: number[] = []
        for (const mode of MODES) {
          const r = await measure(sender, mode)
          log(`${sender.name}, ${mode}: ${fmt.int(r.perSecond)} messages/s, client ${fmt.int(r.clientCpuMicros)} µs, server ${fmt.int(r.serverCpuMicros)} µs`)
          perSecond.push(r.perSecond)
          cells.push(`${fmt.int(r.perSecond)} (${fmt.int(r.clientCpuMicros)}${r.serverCpuMicros === undefined ? '' : ` + ${fmt.int(r.serverCpuMicros)}`} µs)`)
        }
        rows.push([sender.name, ...cells])
        rates.push({ name: sender.name, perSecond })
      } finally {
        await sender.close()
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const bull = rates.find((r) => r.name.startsWith('BullMQ'))
  const tables: BenchTable[] = [
    {
      caption: 'Messages/s (client CPU µs per message + Postgres server CPU µs per message).',
      head: ['', ...MODES],
      align: ['l', 'r', 'r', 'r'],
      rows,
    },
  ]
  if (bull) {
    tables.push({
      caption: 'The same rates ÷ BullMQ in the same mode (add / addBulk, same run).',
      head: ['', ...MODES],
      align: ['l', 'r', 'r', 'r'],
      rows: rates.map((r) => [r.name, ...r.perSecond.map((v, i) => fmt.ratio(v / bull.perSecond[i]!))]),
    })
  }
  return tables
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runSendBench()
    .then((tables) => tables.forEach((t) => printTable(t)))
    .catch((error: unknown) => {
      console.error(error)
      process.exitCode = 1
    })
}
