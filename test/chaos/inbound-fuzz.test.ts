import http from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeReceiver } from '../../src/adapters/node/index.js'
import { createRelay, sqliteStorage, type Relay } from '../../src/index.js'
import { STANDARD_SECRET, standardRequest } from '../inbound/support/webhooks.js'
import { readAllInbound } from './support/inbound-ledger.js'
import { fuzzCase, type FuzzCase } from './support/malformed-requests.js'
import { reportFigures } from './support/services.js'

const scenario = 'inbound fuzz'
const RUNS = 3_000

describe(scenario, () => {
  let relay: Relay
  let server: http.Server
  let url: string
  const agent = new Agent({ connections: 8 })

  beforeAll(async () => {
    relay = createRelay({ storage: sqliteStorage({ filename: ':memory:' }) })
    await relay.start({ workers: false })
    const receiver = relay.receiver({ name: 'fuzz', secret: STANDARD_SECRET })
    server = http.createServer(nodeReceiver(receiver))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`
  })
  afterAll(async () => {
    await agent.close()
    server?.closeAllConnections()
    await new Promise<void>((resolve) => server?.close(() => resolve()))
    await relay?.stop()
  })

  it(`refuses every one of ${RUNS} malformed requests with a 4xx and an error code, and accepts only the valid ones`, { timeout: 120_000 }, async () => {
    const accepted: string[] = []
    relay.on('inbound.accepted', (event) => accepted.push(event.webhookId))
    const byKind: Record<string, number> = {}
    const byAnswer: Record<string, number> = {}
    const validIds: string[] = []
    const send = async (c: FuzzCase) => {
      const res = await request(url, { method: c.method, headers: c.headers, body: c.body, dispatcher: agent })
      const text = await res.body.text()
      return { status: res.statusCode, text }
    }

    await fc.assert(
      fc.asyncProperty(fuzzCase, async (c) => {
        const answer = await send(c)
        byKind[c.kind] = (byKind[c.kind] ?? 0) + 1
        expect(c.statuses, `${c.kind}: ${answer.status} ${answer.text}`).toContain(answer.status)
        if (c.valid) {
          validIds.push(c.headers['webhook-id']!)
          return
        }
        const body = JSON.parse(answer.text) as { error?: unknown }
        expect(typeof body.error === 'string' && body.error !== '', `${c.kind}: ${answer.text}`).toBe(true)
        byAnswer[`${answer.status} ${String(body.error)}`] = (byAnswer[`${answer.status} ${String(body.error)}`] ?? 0) + 1
      }),
      { numRuns: RUNS },
    )

    const stored = await readAllInbound(relay)
    const malformed = RUNS - validIds.length
    reportFigures(scenario, { requests: RUNS, malformed, valid: validIds.length, falseAccepts: accepted.filter((id) => !validIds.includes(id)).length, stored: stored.length, byKind, byAnswer })
    // 0 false accepts: what was stored, and what was announced, is exactly the valid requests.
    expect(malformed).toBeGreaterThan(RUNS * 0.9)
    expect(validIds.length).toBeGreaterThan(0)
    expect(stored.map((m) => m.webhookId).sort()).toEqual([...validIds].sort())
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
