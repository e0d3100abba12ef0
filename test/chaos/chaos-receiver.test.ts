import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, sqliteStorage, type AttemptRecord, type DeliveryRecord, type Relay } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startChaosReceiver, type ChaosBehaviour, type ChaosReceiver } from './support/chaos-receiver.js'
import { readLedger } from './support/ledger.js'
import { reportFigures } from './support/services.js'

const scenario = 'chaos receiver'
const ATTEMPTS = 3 // retry.schedule below has two delays
const COUNTS: Record<Exclude<ChaosBehaviour, 'drip'>, number> = {
  ok: 20,
  error: 20,
  flaky: 20,
  timeout: 20,
  reset: 20,
  throttle: 20,
  gone: 20,
  redirect: 20,
  huge: 5,
}

describe(scenario, () => {
  let dir: string
  let receiver: ChaosReceiver
  let relay: Relay
  const endpointIds = new Map<ChaosBehaviour, string>()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookrelay-chaos-'))
    receiver = await startChaosReceiver()
    relay = createRelay({
      storage: sqliteStorage({ filename: join(dir, 'relay.db') }),
      network: { allowPrivate: true },
      // A timeout long enough that a busy machine never fails a prompt answer, short enough to keep the run quick.
      delivery: { timeout: '3s', lease: '8s', pollInterval: '50ms', concurrency: 64 },
      retry: { schedule: ['50ms', '50ms'], jitter: 0 },
      // The breaker would defer the failing endpoints for its reset time; this scenario is about answers.
      circuitBreaker: { enabled: false },
    })
    relay.on('error', () => undefined)
    await relay.start()
    for (const behaviour of [...Object.keys(COUNTS), 'drip'] as ChaosBehaviour[]) {
      const endpoint = await relay.endpoints.create({ url: receiver.url(behaviour), eventTypes: [`chaos.${behaviour}`] })
      endpointIds.set(behaviour, endpoint.id)
    }
  })
  afterAll(async () => {
    await relay?.stop()
    await receiver?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const ledgerOf = async (behaviour: ChaosBehaviour) => readLedger(relay, { endpointId: endpointIds.get(behaviour)! })
  const attemptsBy = (attempts: AttemptRecord[]) => {
    const by = new Map<string, AttemptRecord[]>()
    for (const a of attempts) by.set(a.deliveryId, [...(by.get(a.deliveryId) ?? []), a].sort((x, y) => x.number - y.number))
    return by
  }
  const settled = async (behaviour: ChaosBehaviour, count: number, timeoutMs = 60_000) =>
    eventually(async () => {
      const { deliveries } = await ledgerOf(behaviour)
      expect(deliveries).toHaveLength(count)
      expect(deliveries.filter((d) => d.status === 'pending' || d.status === 'delivering')).toEqual([])
    }, timeoutMs, 200)

  it('brings every delivery to the terminal state its answers call for, with attempts matching the requests received', { timeout: 120_000 }, async () => {
    for (const [behaviour, count] of Object.entries(COUNTS)) {
      await relay.sendMany(Array.from({ length: count }, (_, i) => ({ type: `chaos.${behaviour}`, data: { i } })))
    }
    for (const [behaviour, count] of Object.entries(COUNTS)) await settled(behaviour as ChaosBehaviour, count)

    const figures: Record<string, unknown> = {}
    for (const behaviour of Object.keys(COUNTS) as (keyof typeof COUNTS)[]) {
      const { deliveries, attempts } = await ledgerOf(behaviour)
      const received = receiver.requests.filter((r) => r.behaviour === behaviour)
      const byDelivery = attemptsBy(attempts)
      const statuses = count(deliveries.map((d) => (d.deadReason ? `dead:${d.deadReason}` : d.status)))
      figures[behaviour] = { deliveries: deliveries.length, statuses, attempts: attempts.length, received: received.length }

      // Attempts reconcile with the receiver: one logged attempt per request, per webhook.
      const receivedBy = count(received.map((r) => r.webhookId ?? ''))
      const loggedBy = count(attempts.map((a) => a.messageId))
      expect(loggedBy, behaviour).toEqual(receivedBy)
      // Every failure says why: a status code or an error text.
      for (const a of attempts) if (a.outcome !== 'succeeded') expect(a.statusCode !== null || (a.error ?? '') !== '', behaviour).toBe(true)

      const expectAll = (check: (d: DeliveryRecord, tries: AttemptRecord[]) => void) => {
        for (const d of deliveries) check(d, byDelivery.get(d.id) ?? [])
      }
      switch (behaviour) {
        case 'ok':
          expectAll((d, tries) => expect([d.status, tries.length]).toEqual(['succeeded', 1]))
          break
        case 'error':
          expectAll((d, tries) => {
            expect([d.status, d.deadReason, d.lastStatusCode, tries.length]).toEqual(['dead', 'exhausted', 503, ATTEMPTS])
            expect(tries.map((t) => t.responseBody), JSON.stringify(tries)).toEqual(Array(ATTEMPTS).fill('upstream unavailable'))
          })
          break
        case 'flaky':
          expectAll((d, tries) => expect([d.status, tries.map((t) => t.statusCode)]).toEqual(['succeeded', [500, 500, 200]]))
          break
        case 'timeout':
          expectAll((d, tries) => {
            expect([d.status, d.deadReason, tries.length]).toEqual(['dead', 'exhausted', ATTEMPTS])
            for (const t of tries) expect([t.statusCode, t.error]).toEqual([null, expect.stringMatching(/^TIMEOUT/)])
          })
          break
        case 'reset':
          expectAll((d, tries) => {
            expect([d.status, d.deadReason, tries.length]).toEqual(['dead', 'exhausted', ATTEMPTS])
            for (const t of tries) expect([t.statusCode, t.error]).toEqual([null, expect.stringMatching(/\S/)])
          })
          figures.resetError = attempts[0]?.error
          break
        case 'throttle':
          expectAll((d, tries) => expect([d.status, tries.map((t) => t.statusCode)]).toEqual(['succeeded', [429, 200]]))
          // Retry-After: 1 lengthened the 50 ms schedule: the receiver saw no retry sooner than a second.
          for (const id of new Set(received.map((r) => r.webhookId))) {
            const [first, second] = received.filter((r) => r.webhookId === id)
            expect(second!.at - first!.at).toBeGreaterThanOrEqual(950)
          }
          break
        case 'gone': {
          // The first 410 disables the endpoint: what was in flight got its 410, the rest never went out.
          expectAll((d, tries) => {
            expect(d.status).toBe('dead')
            expect(tries.length).toBe(d.deadReason === 'gone' ? 1 : 0)
            expect(['gone', 'endpoint_disabled']).toContain(d.deadReason)
          })
          expect(deliveries.some((d) => d.deadReason === 'gone')).toBe(true)
          const endpoint = await relay.endpoints.get(endpointIds.get('gone')!)
          expect(endpoint.disabledAt).not.toBeNull()
          break
        }
        case 'redirect':
          expectAll((d, tries) => {
            expect([d.status, d.deadReason, tries.length]).toEqual(['dead', 'exhausted', ATTEMPTS])
            for (const t of tries) expect([301, 302, 307, 308]).toContain(t.statusCode)
          })
          break
        case 'huge':
          expectAll((d, tries) => {
            expect([d.status, tries.length]).toEqual(['succeeded', 1])
            expect(Buffer.byteLength(tries[0]!.responseBody ?? '')).toBeLessThanOrEqual(4096)
          })
          // The relay stops reading a big body early instead of pulling 50 MB per attempt.
          figures.hugeBytesWritten = receiver.hugeBytesWritten
          for (const bytes of receiver.hugeBytesWritten) expect(bytes).toBeLessThan(50 * 1024 * 1024)
          break
      }
    }
    // Redirects are never followed.
    expect(receiver.requests.filter((r) => r.behaviour === 'followed')).toEqual([])
    reportFigures(scenario, figures)
  })

  // TODO(issue 13, item 1): undici's bodyTimeout is per chunk, so a drip outlives delivery.timeout
  // and the lease, and the delivery is sent again. Drop `.fails` once the per-attempt deadline lands.
  it('cuts a slow-drip response at delivery.timeout: no attempt outlives its lease, none is sent twice', { timeout: 60_000 }, async () => {
    const COUNT = 5
    await relay.sendMany(Array.from({ length: COUNT }, (_, i) => ({ type: 'chaos.drip', data: { i } })))
    await settled('drip', COUNT, 30_000)
    const { deliveries, attempts } = await ledgerOf('drip')
    const received = receiver.requests.filter((r) => r.behaviour === 'drip')
    reportFigures(`${scenario} (slow drip)`, {
      statuses: count(deliveries.map((d) => d.status)),
      received: received.length,
      attempts: attempts.length,
      longestAttemptMs: Math.max(...attempts.map((a) => a.durationMs)),
    })
    expect(count(attempts.map((a) => a.messageId))).toEqual(count(received.map((r) => r.webhookId ?? '')))
    for (const a of attempts) {
      expect(a.durationMs).toBeLessThan(8_000)
      expect(a.error).toMatch(/^TIMEOUT/)
    }
    for (const d of deliveries) expect([d.status, d.deadReason, d.attempts]).toEqual(['dead', 'exhausted', ATTEMPTS])
  })
})

function count(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1
  return counts
}
