import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createRelay, sqliteStorage, type InboundEvent, type Relay } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { post, STANDARD_SECRET, standardRequest } from './support/webhooks.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/accept-then-crash.ts', import.meta.url))

/** Starts the fixture app in its own process; resolves once it listens. */
function startApp(filename: string, mode: 'hang' | 'no-workers' | 'inline-hang') {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, filename, mode], {
    env: { ...process.env, WEBHOOK_SECRET: STANDARD_SECRET },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = []
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
    for (const w of [...waiters]) {
      const match = output.match(w.pattern)
      if (match) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(match)
      }
    }
  })
  const waitFor = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const match = output.match(pattern)
      if (match) return resolve(match)
      const timer = setTimeout(() => reject(new Error(`the app did not print ${pattern} in time; it printed: ${output}`)), timeoutMs)
      waiters.push({ pattern, resolve: (m) => (clearTimeout(timer), resolve(m)) })
      child.once('exit', (code) => reject(new Error(`the app exited (${code}) before printing ${pattern}: ${output}`)))
    })
  return { child, waitFor }
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

describe('a crash between accepting and processing', () => {
  let dir = ''
  let relay: Relay | undefined
  let app: ChildProcess | undefined
  afterEach(async () => {
    if (app) await kill(app)
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
    app = relay = undefined
  })

  const cases = {
    'no-workers': 'killed right after answering (it ran no workers)',
    hang: 'killed in the middle of its handler',
    'inline-hang': 'killed in the middle of an inline handler (before answering)',
  } as const
  for (const [mode, when] of Object.entries(cases) as [keyof typeof cases, string][]) {
    it(`loses nothing: a process ${when} leaves the webhook to the next one`, async () => {
      dir = await mkdtemp(join(tmpdir(), 'hookrelay-crash-'))
      const filename = join(dir, 'app.db')
      const started = startApp(filename, mode)
      app = started.child
      const [, port] = await started.waitFor(/listening (\d+)/)
      const request = standardRequest({ type: 'order.created', data: { id: 'ord_crash' } })

      const answer = post(`http://127.0.0.1:${port}/webhooks`, request)
      if (mode === 'inline-hang') {
        // No answer ever comes: the sender would retry later. The webhook is stored all the same.
        answer.catch(() => undefined)
      } else {
        expect((await answer).status).toBe(200)
      }
      if (mode !== 'no-workers') await started.waitFor(new RegExp(`handling ${request.id}`))
      await kill(app)

      // The app restarts: a new process on the same file, with the handler registered.
      relay = createRelay({ storage: sqliteStorage({ filename }), delivery: { pollInterval: '50ms' } })
      const seen: InboundEvent[] = []
      relay.receiver({ name: 'orders', secret: STANDARD_SECRET }).on('order.created', (event) => void seen.push(event))
      await relay.start()
      await eventually(() => expect(seen).toHaveLength(1), 10_000)
      expect(seen[0]).toMatchObject({ webhookId: request.id, type: 'order.created', data: { id: 'ord_crash' } })
      await eventually(async () => expect((await relay!.inbound.list()).data[0]?.status).toBe('processed'))
    })
  }
})
