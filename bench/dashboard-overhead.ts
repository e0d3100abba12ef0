/**
 * What an open dashboard costs delivery: the time to deliver N messages to a local receiver with
 * nobody watching, then with a dashboard open (its live feed streamed over SSE to a client that
 * reads every frame), alternated `rounds` times on fresh SQLite relays. The budget: under 5%.
 *
 *   npx tsx bench/dashboard-overhead.ts [messages=20000] [rounds=2]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRelay, sqliteStorage } from '../src/index.js'
import { nodeDashboard } from '../src/adapters/node/index.js'

const messages = Number(process.argv[2] ?? 20_000)
const rounds = Number(process.argv[3] ?? 2)

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

const results: { watched: boolean; ms: number; frames: number; bytes: number }[] = []
for (let round = 0; round < rounds; round++) {
  for (const watched of round % 2 === 0 ? [false, true] : [true, false]) {
    const result = await run(watched)
    results.push({ watched, ...result })
    console.log(`  round ${round + 1}, ${watched ? 'dashboard open' : 'nobody watching'}: ${messages} delivered in ${(result.ms / 1000).toFixed(2)} s` + (watched ? ` (${result.frames} frames, ${(result.bytes / 1024).toFixed(0)} KB streamed)` : ''))
  }
}
const mean = (watched: boolean) => {
  const runs = results.filter((r) => r.watched === watched)
  return runs.reduce((n, r) => n + r.ms, 0) / runs.length
}
const overhead = (mean(true) / mean(false) - 1) * 100
console.log(`  mean: ${(mean(false) / 1000).toFixed(2)} s unwatched, ${(mean(true) / 1000).toFixed(2)} s with the dashboard open: ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)}%`)
receiver.close()
