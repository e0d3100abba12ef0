/**
 * The process measured by bench/memory.ts: opens a seeded SQLite file, prints `loaded`, starts the
 * workers on `go` (stdin), and drains until `count` deliveries succeeded or `seconds` passed; then
 * stops and prints `done <delivered> <seconds> <peak RSS bytes>` (VmHWM of this process).
 * Configured by HOOKRELAY_BENCH_MEMORY (JSON: filename, tablePrefix, concurrency, count, seconds).
 */
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { createRelay, sqliteStorage } from '../src/index.js'

interface Spec {
  filename: string
  tablePrefix: string
  concurrency: number
  count: number
  seconds: number
}

const spec = JSON.parse(process.env.HOOKRELAY_BENCH_MEMORY ?? '{}') as Spec
const relay = createRelay({
  storage: sqliteStorage({ filename: spec.filename, tablePrefix: spec.tablePrefix }),
  network: { allowPrivate: true },
  delivery: { concurrency: spec.concurrency },
})
relay.on('error', (e) => process.stderr.write(`[memory worker] ${e.context}: ${e.error.message}\n`))
let delivered = 0
let finish: () => void = () => undefined
const finished = new Promise<void>((resolve) => {
  finish = resolve
})
relay.on('delivery.succeeded', () => {
  if (++delivered === spec.count) finish()
})
process.stdout.write('loaded\n')

const peak = () => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024

createInterface({ input: process.stdin }).once('line', () => {
  void (async () => {
    const started = performance.now()
    await relay.start({ migrate: false })
    const timer = setTimeout(finish, spec.seconds * 1000)
    await finished
    clearTimeout(timer)
    const seconds = (performance.now() - started) / 1000
    await relay.stop()
    process.stdout.write(`done ${delivered} ${seconds} ${peak()}\n`)
    process.exit(0)
  })()
})
