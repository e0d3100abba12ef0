import { afterEach, describe, expect, it } from 'vitest'
import { createRelay, ValidationError } from '../../src/index.js'
import { nodeReceiver } from '../../src/adapters/node/index.js'
import { resolveRelayOptions } from '../../src/relay-options.js'
import { eventually } from '../support/eventually.js'
import { describeEachStorage, sqliteTarget } from '../support/storages.js'
import { useRelays } from './support/relays.js'
import { post, serve, standardRequest, STANDARD_SECRET, type Served } from './support/webhooks.js'

describe('the inbound options section', () => {
  it('takes each value it leaves out from delivery, so existing relays run as before', () => {
    const options = resolveRelayOptions({ delivery: { concurrency: 7, batchSize: 9, pollInterval: '3s', timeout: '5s', lease: '1m' } })
    expect(options.inbound).toEqual({ concurrency: 7, batchSize: 9, pollIntervalMs: 3_000, leaseMs: 60_000 })
    expect(resolveRelayOptions({}).inbound).toEqual({ concurrency: 64, batchSize: 50, pollIntervalMs: 1_000, leaseMs: 45_000 })
  })

  it('overrides delivery field by field', () => {
    const options = resolveRelayOptions({ delivery: { concurrency: 7 }, inbound: { concurrency: 2, lease: '5m' } })
    expect(options.inbound).toEqual({ concurrency: 2, batchSize: 50, pollIntervalMs: 1_000, leaseMs: 300_000 })
    expect(options.delivery.concurrency).toBe(7)
  })

  it('refuses invalid values with a ValidationError naming the field', () => {
    for (const inbound of [{ concurrency: 0 }, { batchSize: 1.5 }, { pollInterval: 'soon' }, { lease: 0 }, { workers: 2 }]) {
      let caught: unknown
      try {
        resolveRelayOptions({ inbound: inbound as never })
      } catch (error) {
        caught = error
      }
      expect(caught, JSON.stringify(inbound)).toBeInstanceOf(ValidationError)
      expect((caught as ValidationError).message).toContain('inbound')
    }
    expect(() => createRelay({ inbound: { concurrency: -1 } })).toThrow(ValidationError)
  })
})

describeEachStorage('inbound.concurrency', ({ env }) => {
  const { relay: makeRelay } = useRelays(env)
  const servers: Served[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })

  it('bounds the handlers running at once, independently of delivery.concurrency', { timeout: 60_000 }, async () => {
    // One attempt at a time outbound, three handlers at a time inbound.
    const relay = await makeRelay({ delivery: { concurrency: 1, pollInterval: '50ms' }, inbound: { concurrency: 3, pollInterval: '50ms' } })
    const waiting: (() => void)[] = []
    let running = 0
    let most = 0
    let done = 0
    const hooks = relay.receiver({ name: 'busy', secret: STANDARD_SECRET })
    hooks.on('order.created', async () => {
      running++
      most = Math.max(most, running)
      await new Promise<void>((release) => waiting.push(release))
      running--
      done++
    })
    const server = await serve(nodeReceiver(hooks))
    servers.push(server)
    const total = 8
    for (let n = 0; n < total; n++) {
      expect((await post(`${server.origin}/webhooks`, standardRequest({ data: { n } }))).status).toBe(200)
    }

    // Three start although outbound allows one; none more while they hold.
    await eventually(() => expect(running).toBe(3), 20_000)
    // Release one at a time: each release lets exactly one more start, never a fourth at once.
    while (done < total) {
      await eventually(() => expect(waiting.length).toBeGreaterThan(0), 20_000)
      expect(running).toBeLessThanOrEqual(3)
      const before = done
      waiting.shift()!()
      await eventually(() => expect(done).toBe(before + 1), 20_000)
    }
    expect(most).toBe(3)
  })
}, [sqliteTarget])
