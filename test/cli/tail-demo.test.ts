import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createRelay, sqliteStorage } from '../../src/index.js'
import { generateSecret, sign } from '../../src/signing/index.js'
import { reachable } from '../support/reachable.js'
import { REDIS_URL } from '../support/urls.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Inside the repository, so the bundle resolves its dependencies from node_modules like an installed package. */
const BUILD_DIR = `${ROOT}node_modules/.cache/hookrelay-tail-test-${randomBytes(4).toString('hex')}`
const BIN = `${BUILD_DIR}/cli.js`
const work = mkdtempSync(path.join(tmpdir(), 'hookrelay-tail-'))

beforeAll(async () => {
  // The binary as the package builds it (ESM with split chunks: the demo is a chunk loaded on demand).
  await promisify(execFile)(
    process.execPath,
    [`${ROOT}node_modules/tsup/dist/cli-default.js`, '--no-config', '--entry.cli', 'src/cli/index.ts', '--format', 'esm', '--target', 'node20', '--platform', 'node', '--splitting', '--out-dir', BUILD_DIR],
    { cwd: ROOT, timeout: 180_000 },
  )
}, 180_000)

afterAll(() => {
  rmSync(BUILD_DIR, { recursive: true, force: true })
  rmSync(work, { recursive: true, force: true })
})

/** Collects a child's output and resolves when a line matching `pattern` appears on `stream`. */
function watch(child: ChildProcess) {
  const output = { stdout: '', stderr: '' }
  const waiters: { stream: 'stdout' | 'stderr'; test: (text: string) => boolean; resolve: () => void }[] = []
  const check = () => {
    for (const w of [...waiters]) if (w.test(output[w.stream])) (waiters.splice(waiters.indexOf(w), 1), w.resolve())
  }
  child.stdout!.on('data', (chunk: Buffer) => ((output.stdout += chunk.toString()), check()))
  child.stderr!.on('data', (chunk: Buffer) => ((output.stderr += chunk.toString()), check()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    output,
    exited,
    until: (stream: 'stdout' | 'stderr', test: (text: string) => boolean) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ stream, test, resolve })
        check()
        void exited.then((code) => reject(new Error(`exited (${code}) first:\n${output.stdout}\n${output.stderr}`)))
      }),
  }
}

function jsonLines(text: string): { event: string; [key: string]: unknown }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { event: string })
}

it('tail prints attempts, dead letters and received webhooks written after it started, as JSON lines, and stops on SIGINT', async () => {
  const file = path.join(work, 'tail.db')
  const relay = createRelay({
    storage: sqliteStorage({ filename: file }),
    network: { allowPrivate: true },
    retry: { schedule: [] }, // one attempt, then the dead-letter queue
    delivery: { pollInterval: '50ms' },
    logger: false,
  })
  await relay.migrate()
  const tail = spawn(process.execPath, [BIN, 'tail', '--json', '--interval', '100ms', '--database-url', file], { stdio: ['ignore', 'pipe', 'pipe'] })
  const t = watch(tail)
  try {
    await t.until('stderr', (text) => text.includes('tailing:'))
    const secret = generateSecret()
    const shop = relay.receiver({ name: 'shop', secret })
    shop.on('*', () => undefined)
    await relay.start()
    // Port 9 (discard) on localhost refuses connections: a failed attempt, then a dead letter.
    const endpoint = await relay.endpoints.create({ url: 'http://127.0.0.1:9/hook' })
    const { messageId } = await relay.send({ type: 'order.created', data: { id: 'ord_1' } })
    const body = JSON.stringify({ type: 'order.paid', data: { id: 'ord_1' } })
    const answer = await shop.handle({ body, headers: { ...sign({ secret, id: 'evt_tail_1', payload: body }), 'content-type': 'application/json' } })
    expect(answer.status).toBe(200)

    await t.until('stdout', (text) => {
      const events = jsonLines(text)
      return events.some((e) => e.event === 'delivery.dead' && e.messageId === messageId) && events.some((e) => e.event === 'inbound.received')
    })
    const events = jsonLines(t.output.stdout)
    expect(events.find((e) => e.event === 'delivery.attempt')).toMatchObject({ messageId, endpointId: endpoint.id, attempt: 1, outcome: 'dead', statusCode: null })
    expect(events.find((e) => e.event === 'delivery.dead')).toMatchObject({ messageId, endpointId: endpoint.id, reason: 'exhausted' })
    expect(events.find((e) => e.event === 'inbound.received')).toMatchObject({ source: 'shop', webhookId: 'evt_tail_1', type: 'order.paid' })
    // Each event once, however many polls saw its row.
    expect(events.filter((e) => e.event === 'delivery.attempt')).toHaveLength(1)

    tail.kill('SIGINT')
    expect(await t.exited).toBe(0)
    expect(t.output.stderr).toContain('tail: stopped.')
  } finally {
    tail.kill('SIGKILL')
    await relay.stop()
  }
}, 120_000)

it('tail --redis-url prints the circuit changes the Redis driver publishes, as they happen', async (ctx) => {
  if (!(await reachable(REDIS_URL))) return ctx.skip()
  const file = path.join(work, 'redis.db')
  const storage = sqliteStorage({ filename: file })
  await storage.migrate()
  const databaseId = await storage.databaseId()
  await storage.close()
  const prefix = `hookrelay-tail-test-${randomBytes(4).toString('hex')}:`
  const tail = spawn(process.execPath, [BIN, 'tail', '--json', '--database-url', file, '--redis-url', REDIS_URL, '--redis-prefix', prefix], { stdio: ['ignore', 'pipe', 'pipe'] })
  const t = watch(tail)
  const { Redis } = await import('ioredis')
  const redis = new Redis(REDIS_URL)
  try {
    await t.until('stderr', (text) => text.includes('woken by Redis pub/sub'))
    const until = Date.now() + 30_000
    // What redisQueue()'s coordination publishes when a worker opens a circuit.
    await redis.publish(`${prefix}${databaseId}:circuit`, JSON.stringify({ p: 'another-process', e: 'ep_tail', s: 'open', u: until }))
    await t.until('stdout', (text) => jsonLines(text).some((e) => e.event === 'circuit.opened'))
    expect(jsonLines(t.output.stdout).find((e) => e.event === 'circuit.opened')).toMatchObject({ endpointId: 'ep_tail', until: new Date(until).toISOString() })
    tail.kill('SIGINT')
    expect(await t.exited).toBe(0)
  } finally {
    tail.kill('SIGKILL')
    redis.disconnect()
  }
}, 120_000)

it('demo runs from the built CLI to its summary, and --keep leaves a database the CLI reads', async () => {
  const demo = spawn(process.execPath, [BIN, 'demo', '--only', 'dlq', '--keep'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: work, env: { ...process.env, HOOKRELAY_DATABASE_URL: undefined } })
  const d = watch(demo)
  const code = await d.exited
  expect(code, `${d.output.stdout}\n${d.output.stderr}`).toBe(0)
  expect(d.output.stdout).toMatch(/All 1 scenarios passed/)
  expect(d.output.stdout).toContain('npx hookrelay attempts list')
  const kept = /export HOOKRELAY_DATABASE_URL=(\S+)/.exec(d.output.stdout)?.[1]
  expect(kept).toBeDefined()
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'attempts', 'list', '--json'], { env: { ...process.env, HOOKRELAY_DATABASE_URL: kept } })
    expect((JSON.parse(stdout) as { data: unknown[] }).data.length).toBeGreaterThan(0)
  } finally {
    rmSync(path.dirname(kept!), { recursive: true, force: true })
  }
}, 180_000)

it("shows examples and the global options in tail's and demo's help", async () => {
  for (const command of ['tail', 'demo']) {
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, command, '--help'])
    expect(stdout).toContain('Examples:')
    expect(stdout).toContain('--database-url')
  }
}, 60_000)
