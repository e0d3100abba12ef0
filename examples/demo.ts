/**
 * `npm run demo`: hookrelay doing its main job on the embedded default (SQLite + local receivers).
 *
 * It starts three receivers on 127.0.0.1 — a healthy one, a flaky one that fails its first two
 * requests, and a broken one that always answers 500 — sends events to all of them, and shows the
 * deliveries succeed, recover through retries, and land in the dead-letter queue, from where one is
 * replayed after the broken receiver is fixed. A short retry schedule keeps it under a minute.
 */
import http from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { createRelay, sqliteStorage } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'hookrelay-demo-'))
const line = (text = '') => console.log(text)
const clock = (start: number) => `${String(Date.now() - start).padStart(5)} ms`

interface DemoReceiver {
  url: string
  name: string
  got: number
  close(): Promise<void>
  fixed: boolean
}

/** A receiver that verifies every request with the official Standard Webhooks library. */
async function receiver(name: string, secret: () => string, fail: (n: number, r: DemoReceiver) => boolean): Promise<DemoReceiver> {
  const state: DemoReceiver = { url: '', name, got: 0, fixed: false, close: async () => {} }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      state.got++
      const body = Buffer.concat(chunks).toString()
      try {
        new Webhook(secret()).verify(body, req.headers as Record<string, string>)
      } catch {
        res.writeHead(401).end('bad signature')
        return
      }
      const failing = fail(state.got, state)
      res.writeHead(failing ? 500 : 200).end(failing ? 'oops' : 'ok')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`
  state.close = () => new Promise((r) => server.close(() => r()))
  return state
}

async function main(): Promise<void> {
  const start = Date.now()
  const relay = createRelay({
    storage: sqliteStorage({ filename: join(dir, 'demo.db') }),
    retry: { schedule: ['200ms', '400ms', '800ms'], jitter: 0 },
    delivery: { pollInterval: '100ms' },
    network: { allowPrivate: true }, // the demo's receivers are on 127.0.0.1
  })
  relay.on('delivery.succeeded', (e) => line(`${clock(start)}  ✔ ${e.type} → ${names.get(e.endpointId)} (attempt ${e.attempt}, ${e.statusCode}, ${e.durationMs} ms)`))
  relay.on('delivery.failed', (e) =>
    line(`${clock(start)}  ✖ ${e.type} → ${names.get(e.endpointId)} (attempt ${e.attempt}, ${e.statusCode ?? e.error}); retry at +${e.nextAttemptAt.getTime() - Date.now()} ms`),
  )
  relay.on('delivery.dead', (e) => line(`${clock(start)}  ☠ ${e.type} → ${names.get(e.endpointId)} dead-lettered after ${e.attempt} attempts (${e.reason})`))
  relay.on('error', (e) => line(`error in ${e.context}: ${e.error.message}`))
  const names = new Map<string, string>()
  await relay.start()

  const secrets = new Map<string, string>()
  const healthy = await receiver('healthy', () => secrets.get('healthy')!, () => false)
  const flaky = await receiver('flaky', () => secrets.get('flaky')!, (n) => n <= 2)
  const broken = await receiver('broken', () => secrets.get('broken')!, (_, r) => !r.fixed)
  const endpoints = []
  for (const r of [healthy, flaky, broken]) {
    const ep = await relay.endpoints.create({ url: r.url, eventTypes: r === broken ? ['invoice.*'] : ['order.*', 'invoice.*'] })
    secrets.set(r.name, ep.secret)
    names.set(ep.id, r.name)
    endpoints.push(ep)
  }

  line('hookrelay demo — SQLite storage, three receivers on 127.0.0.1, retry schedule 200ms/400ms/800ms')
  line()
  line('1. send: an order (to healthy and flaky) and an invoice (to all three)')
  const order = await relay.send({ type: 'order.created', data: { orderId: 'ord_1001', total: 4200 } })
  const invoice = await relay.send({ type: 'invoice.paid', data: { invoiceId: 'inv_77' }, idempotencyKey: 'inv_77-paid' })
  const again = await relay.send({ type: 'invoice.paid', data: { invoiceId: 'inv_77' }, idempotencyKey: 'inv_77-paid' })
  line(`   ${order.messageId}: ${order.deliveryIds.length} deliveries; ${invoice.messageId}: ${invoice.deliveryIds.length} deliveries`)
  line(`   the same invoice again with its idempotency key → duplicate: ${again.duplicate}, same id: ${again.messageId === invoice.messageId}`)
  line()
  line('2. deliveries, retries and a dead letter as they happen:')

  const deadline = Date.now() + 20_000
  let dead = await relay.dlq.list()
  while (dead.data.length === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100))
    dead = await relay.dlq.list()
  }
  const letter = dead.data[0]
  if (!letter) throw new Error('demo: expected a dead letter')
  await waitUntil(async () => (await relay.deliveries.list({ status: 'pending' })).data.length === 0 && (await relay.deliveries.list({ status: 'delivering' })).data.length === 0)

  line()
  line(`3. the broken receiver is fixed; replaying dead letter ${letter.id}`)
  broken.fixed = true
  await relay.dlq.replay(letter.id)
  await waitUntil(async () => (await relay.deliveries.get(letter.id)).status === 'succeeded')

  line()
  line('4. the attempt log of each delivery:')
  for (const id of [...order.deliveryIds, ...invoice.deliveryIds]) {
    const d = await relay.deliveries.get(id)
    const attempts = await relay.attempts.list({ deliveryId: id })
    const log = attempts.data
      .sort((a, b) => a.number - b.number)
      .map((a) => `${a.number}:${a.statusCode ?? a.error}`)
      .join(' ')
    line(`   ${names.get(d.endpointId)!.padEnd(8)} ${d.status.padEnd(10)} attempts ${d.attempts}  [${log}]`)
  }
  line()
  line(`Receivers verified every request with the official standardwebhooks library: healthy ${healthy.got}, flaky ${flaky.got}, broken ${broken.got} requests.`)
  line(`Done in ${Date.now() - start} ms.`)

  await relay.stop()
  await Promise.all([healthy.close(), flaky.close(), broken.close()])
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('demo: timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

main()
  .then(() => rmSync(dir, { recursive: true, force: true }))
  .catch((error: unknown) => {
    console.error(error)
    rmSync(dir, { recursive: true, force: true })
    process.exitCode = 1
  })
