/**
 * What an open dashboard costs delivery: the time to deliver N messages to a local receiver with
 * nobody watching, then with a dashboard open (its live feed streamed over SSE to a client that
 * reads every frame), alternated `rounds` times on fresh SQLite relays. The budget: under 5 %.
 * `npm run bench -- dashboard` (section `dashboard`), or `npx tsx bench/dashboard-overhead.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRelay, sqliteStorage } from '../src/index.js'
import { nodeDashboard } from '../src/adapters/node/index.js'
import type { BenchFigure } from './support/figures.js'

export interface DashboardRun {
  watched: boolean
  ms: number
  frames: number
  bytes: number
}

/** Runs the blast `rounds` times each way, alternating which goes first; logs each run. */
export async function runDashboardBench(messages: number, rounds: number, log: (line: string) => void = console.log): Promise<{ runs: DashboardRun[]; figures: BenchFigure[] }> {
  const receiver = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(200).end())
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`

  async function run(watched: boolean): Promise<{ ms: number; frames: number; bytes: number }> {
    const dir = await mkdtemp(join(tmpdir(), 'hookrelay-dash-bench-'))
    const relay = createRelay({ storage: sqliteStorage({ filename: join(dir, 'relay.db') }), network: { allowPrivate: true } })
    await relay.start()
    const endpoint = await relay.endpoints.create({ url })
    let frames = 0
    let bytes = 0
    let server: http.Server | null = null
    const abort = new AbortController()
    if (watched) {
      const dashboard = nodeDashboard(relay, { authorize: 'none' })
      server = http.createServer((req, res) => void dashboard(req, res))
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`, { signal: abort.signal })
      void (async () => {
        const reader = res.body!.getReader()
        for (;;) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }))
          if (done) return
          bytes += value!.byteLength
          frames += new TextDecoder().decode(value).split('event: frame').length - 1
        }
      })()
    }
    let delivered = 0
    const done = new Promise<void>((resolve) => {
      relay.on('delivery.succeeded', () => {
        if (++delivered === messages) resolve()
      })
    })
    const start = performance.now()
    for (let i = 0; i < messages; i += 500) {
      await relay.sendMany(Array.from({ length: Math.min(500, messages - i) }, (_, k) => ({ type: 'bench.event', data: { i: i + k }, endpointIds: [endpoint.id] })))
    }
    await done
    const ms = performance.now() - start
    abort.abort()
    server?.closeAllConnections()
    server?.close()
    await relay.stop()
    await rm(dir, { recursive: true, force: true })
    return { ms, frames, bytes }
  }

  const runs: DashboardRun[] = []
  try {
    for (let round = 0; round < rounds; round++) {
      for (const watched of round % 2 === 0 ? [false, true] : [true, false]) {
        const result = await run(watched)
        runs.push({ watched, ...result })
        log(`  round ${round + 1}, ${watched ? 'dashboard open' : 'nobody watching'}: ${messages} delivered in ${(result.ms / 1000).toFixed(2)} s` + (watched ? ` (${result.frames} frames, ${(result.bytes / 1024).toFixed(0)} KB streamed)` : ''))
      }
    }
  } finally {
    receiver.close()
  }
  const rate = (watched: boolean) => {
    const list = runs.filter((r) => r.watched === watched).map((r) => messages / (r.ms / 1000))
    return list.reduce((n, r) => n + r, 0) / list.length
  }
  const watchedRuns = runs.filter((r) => r.watched)
  const frames = watchedRuns.reduce((n, r) => n + r.frames, 0) / watchedRuns.length
  const kb = watchedRuns.reduce((n, r) => n + r.bytes, 0) / watchedRuns.length / 1024
  return {
    runs,
    figures: [
      {
        name: `${messages.toLocaleString('en')}-delivery blast with an SSE viewer (${frames.toFixed(0)} frames, ${kb.toFixed(0)} KB streamed) vs nobody watching`,
        value: rate(true),
        unit: 'deliveries/s',
        baseline: rate(false),
        ratio: rate(true) / rate(false),
        target: '≥ 0.95',
      },
    ],
  }
}
