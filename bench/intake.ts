/**
 * Intake throughput of a receiver through Fastify on SQLite (verify + dedupe + persist + answer),
 * against a bare Fastify JSON route answering 200 in the same process and the same run:
 * `npx tsx bench/intake.ts`. The load comes from a separate process (bench/intake-load.ts,
 * autocannon), every request a new webhook signed by `standardwebhooks`. The two targets are
 * measured in alternating rounds and the best round of each is kept; then the receiver is loaded
 * at half its peak rate to read its latency when not saturated, and the bare route at the same
 * rate as a control.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import { fastifyReceiver } from '../src/adapters/fastify/index.js'
import { createRelay, sqliteStorage } from '../src/index.js'
import type { LoadOptions, LoadResult } from './intake-load.js'

/** One figure, with the baseline it is compared to. */
export interface IntakeBenchResult {
  name: string
  /** Requests per second. */
  value: number
  /** The baseline's requests per second (the bare route; for the half-rate row, the rate asked for). */
  baseline: number
  /** value / baseline. */
  ratio: number
  /** Latency percentiles in ms. */
  p50: number
  p99: number
  /** CPU time of the server process (user + system) per request answered, in µs. */
  cpuUsPerRequest: number
}

export interface IntakeBenchOptions {
  /** Seconds per measured round. Default 6. */
  roundSec?: number
  /** Rounds per target (alternating). Default 2. */
  rounds?: number
  /** Concurrent connections of the load generator at peak. Default 32. */
  connections?: number
  /**
   * Connections at half the peak rate. Default 8: autocannon fires each connection's requests on
   * a timer, so many connections at a fixed rate arrive in bursts that measure the burst, not the
   * receiver.
   */
  rateConnections?: number
}

const SECRET = 'whsec_' + Buffer.from('hookrelay intake bench secret!!!').toString('base64')
const LOADER = fileURLToPath(new URL('./intake-load.ts', import.meta.url))

export async function runIntakeBench(options: IntakeBenchOptions = {}): Promise<IntakeBenchResult[]> {
  const roundSec = options.roundSec ?? 6
  const rounds = options.rounds ?? 2
  const connections = options.connections ?? 32
  const rateConnections = options.rateConnections ?? 8
  const dir = await mkdtemp(join(tmpdir(), 'hookrelay-bench-'))
  const relay = createRelay({ storage: sqliteStorage({ filename: join(dir, 'intake.db') }) })
  const fastify = Fastify()
  try {
    await relay.start()
    const receiver = relay.receiver({ name: 'bench', secret: SECRET })
    let rejected = 0
    relay.on('inbound.rejected', () => rejected++)

    fastify.post('/bare', async () => ({ received: true }))
    await fastify.register(fastifyReceiver(receiver), { path: '/webhooks' })
    await fastify.listen({ port: 0, host: '127.0.0.1' })
    const { port } = fastify.server.address() as AddressInfo
    const target = { bare: `http://127.0.0.1:${port}/bare`, intake: `http://127.0.0.1:${port}/webhooks` }

    // Warm up both (JIT, SQLite page cache), then alternate rounds and keep each target's best.
    await load({ url: target.intake, secret: SECRET, connections, durationSec: 2 })
    await load({ url: target.bare, secret: SECRET, connections, durationSec: 2 })
    let bare: MeasuredLoad | undefined
    let intake: MeasuredLoad | undefined
    for (let round = 0; round < rounds; round++) {
      const b = await load({ url: target.bare, secret: SECRET, connections, durationSec: roundSec })
      const i = await load({ url: target.intake, secret: SECRET, connections, durationSec: roundSec })
      if (!bare || b.rps > bare.rps) bare = b
      if (!intake || i.rps > intake.rps) intake = i
    }
    const rate = Math.floor(intake!.rps / 2)
    const half = await load({ url: target.intake, secret: SECRET, connections: rateConnections, durationSec: roundSec + 2, overallRate: rate })
    // The control: the bare route at the same rate shows the latency the machine itself adds
    // (scheduling on a shared box), which no change to the receiver can remove.
    const bareHalf = await load({ url: target.bare, secret: SECRET, connections: rateConnections, durationSec: roundSec + 2, overallRate: rate })

    const stored = (await relay.inbound.list({ limit: 1 })).data.length
    if (rejected > 0 || intake!.non2xx > 0 || half.non2xx > 0 || stored === 0) {
      throw new Error(`The receiver refused requests during the bench (rejected ${rejected}, non-2xx ${intake!.non2xx + half.non2xx}).`)
    }
    return [
      {
        name: 'intake req/s (fastify, sqlite) vs bare fastify route',
        value: Math.round(intake!.rps),
        baseline: Math.round(bare!.rps),
        ratio: intake!.rps / bare!.rps,
        p50: intake!.p50,
        p99: intake!.p99,
        cpuUsPerRequest: intake!.cpuUsPerRequest,
      },
      {
        name: 'bare fastify route req/s',
        value: Math.round(bare!.rps),
        baseline: Math.round(bare!.rps),
        ratio: 1,
        p50: bare!.p50,
        p99: bare!.p99,
        cpuUsPerRequest: bare!.cpuUsPerRequest,
      },
      {
        name: 'intake at half its peak rate',
        value: Math.round(half.rps),
        baseline: rate,
        ratio: half.rps / rate,
        p50: half.p50,
        p99: half.p99,
        cpuUsPerRequest: half.cpuUsPerRequest,
      },
      {
        name: 'bare fastify route at the same rate (control)',
        value: Math.round(bareHalf.rps),
        baseline: rate,
        ratio: bareHalf.rps / rate,
        p50: bareHalf.p50,
        p99: bareHalf.p99,
        cpuUsPerRequest: bareHalf.cpuUsPerRequest,
      },
    ]
  } finally {
    await fastify.close()
    await relay.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

type MeasuredLoad = LoadResult & { cpuUsPerRequest: number }

/**
 * Runs the load generator in its own process and reads its JSON summary, with the CPU time this
 * (server) process spent per answered request meanwhile: on a shared machine the rates swing with
 * the load of others, the CPU cost per request much less.
 */
async function load(options: LoadOptions): Promise<MeasuredLoad> {
  const before = process.cpuUsage()
  const result = await runLoader(options)
  const cpu = process.cpuUsage(before)
  return { ...result, cpuUsPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, result.requests)) }
}

function runLoader(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', LOADER, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`the load generator exited with ${code}`))
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult)
      } catch (error) {
        reject(error as Error)
      }
    })
  })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now()
  const results = await runIntakeBench()
  console.table(
    results.map((r) => ({
      name: r.name,
      'req/s': r.value,
      baseline: r.baseline,
      ratio: r.ratio.toFixed(2),
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      'server CPU µs/req': r.cpuUsPerRequest,
    })),
  )
  console.log(
    `(load from a separate autocannon process: 32 connections at peak, 8 at half rate; ${((Date.now() - started) / 1000).toFixed(0)} s in all; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`,
  )
}
