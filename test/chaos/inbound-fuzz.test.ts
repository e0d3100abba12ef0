import http from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeReceiver } from '../../src/adapters/node/index.js'
import { createRelay, sqliteStorage, type Relay } from '../../src/index.js'
import { GITHUB_SECRET, STANDARD_SECRET, STRIPE_SECRET, standardRequest } from '../inbound/support/webhooks.js'
import { readAllInbound } from './support/inbound-ledger.js'
import { providerFuzzCase } from './support/malformed-provider-requests.js'
import { fuzzCase, type FuzzCase } from './support/malformed-requests.js'
import { reportFigures } from './support/services.js'

const scenario = 'inbound fuzz'
const RUNS = { standard: 7_000, providers: 3_000 }
const TOTAL = RUNS.standard + RUNS.providers

describe(scenario, () => {
  let relay: Relay
  let server: http.Server
  let origin: string
  let url: string
  const agent = new Agent({ connections: 8 })

  beforeAll(async () => {
    relay = createRelay({ storage: sqliteStorage({ filename: ':memory:' }) })
    await relay.start({ workers: false })
    const handlers = {
      standard: nodeReceiver(relay.receiver({ name: 'standard', secret: STANDARD_SECRET })),
      stripe: nodeReceiver(relay.receiver({ name: 'stripe', scheme: 'stripe', secret: STRIPE_SECRET })),
      github: nodeReceiver(relay.receiver({ name: 'github', scheme: 'github', secret: GITHUB_SECRET })),
    }
    server = http.createServer((req, res) => {
      const name = (req.url ?? '').slice(1) as keyof typeof handlers
      void (handlers[name] ?? handlers.standard)(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    url = `${origin}/standard`
  })
  afterAll(async () => {
    await agent.close()
    server?.closeAllConnections()
    await new Promise<void>((resolve) => server?.close(() => resolve()))
    await relay?.stop()
  })

  it(`refuses every malformed one of ${TOTAL} requests (standard, Stripe, GitHub) with a 4xx and an error code, and accepts only the valid ones`, { timeout: 120_000 }, async () => {
    const accepted: string[] = []
    relay.on('inbound.accepted', (event) => accepted.push(`${event.source}:${event.webhookId}`))
    const byKind: Record<string, number> = {}
    const byAnswer: Record<string, number> = {}
    const validIds: string[] = []
    const check = async (c: FuzzCase) => {
      const res = await request(`${origin}/${c.receiver}`, { method: c.method, headers: c.headers, body: c.body, dispatcher: agent })
      const text = await res.body.text()
      byKind[c.kind] = (byKind[c.kind] ?? 0) + 1
      expect(c.statuses, `${c.kind}: ${res.statusCode} ${text}`).toContain(res.statusCode)
      if (c.valid) {
        validIds.push(`${c.receiver}:${webhookIdOf(c)}`)
        return
      }
      const body = JSON.parse(text) as { error?: unknown }
      expect(typeof body.error === 'string' && body.error !== '', `${c.kind}: ${text}`).toBe(true)
      const answer = `${res.statusCode} ${String(body.error)}`
      byAnswer[answer] = (byAnswer[answer] ?? 0) + 1
    }
    await fc.assert(fc.asyncProperty(fuzzCase, check), { numRuns: RUNS.standard })
    await fc.assert(fc.asyncProperty(providerFuzzCase, check), { numRuns: RUNS.providers })

    const stored = (await readAllInbound(relay)).map((m) => `${m.source}:${m.webhookId}`)
    const malformed = TOTAL - validIds.length
    const falseAccepts = accepted.filter((id) => !validIds.includes(id)).length
    reportFigures(scenario, { requests: TOTAL, malformed, valid: validIds.length, falseAccepts, stored: stored.length, byKind, byAnswer })
    // 0 false accepts: what was stored, and what was announced, is exactly the valid requests.
    expect(malformed).toBeGreaterThan(TOTAL * 0.9)
    expect(validIds.length).toBeGreaterThan(0)
    expect(stored.sort()).toEqual([...validIds].sort())
    expect([...accepted].sort()).toEqual([...validIds].sort())
  })

  it("leaves headers over Node's 16 KiB limit to Node's parser: 431, nothing stored, the server still answers", async () => {
    const before = (await readAllInbound(relay)).length
    const statuses: number[] = []
    for (let i = 0; i < 20; i++) {
      const body = JSON.stringify({ type: 'order.created', data: { i } })
      const headers = { ...standardRequest({ body }).headers, 'x-pad': 'p'.repeat(17_000 + i * 1_000) }
      const res = await request(url, { method: 'POST', headers, body })
      await res.body.dump()
      statuses.push(res.statusCode)
    }
    expect(new Set(statuses)).toEqual(new Set([431]))
    expect((await readAllInbound(relay)).length).toBe(before)
    // The receiver is unharmed: a valid webhook is still accepted.
    const valid = standardRequest()
    const res = await request(url, { method: 'POST', headers: valid.headers, body: valid.body, dispatcher: agent })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  })
})

/** The sender's id of a well-formed request, as each scheme defines it. */
function webhookIdOf(c: FuzzCase): string {
  if (c.receiver === 'standard') return c.headers['webhook-id']!
  if (c.receiver === 'github') return c.headers['x-github-delivery']!
  return (JSON.parse(c.body.toString()) as { id: string }).id
}
