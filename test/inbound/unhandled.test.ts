import { describe, expect, it } from 'vitest'
import type { InboundUnhandledEvent, Relay, RelayLogger } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'
import { useRelays } from './support/relays.js'
import { standardRequest, STANDARD_SECRET } from './support/webhooks.js'

/** A logger that keeps what it was told. */
function recordingLogger() {
  const warnings: string[] = []
  const errors: string[] = []
  const logger: RelayLogger = {
    warn: (message: string) => void warnings.push(message),
    error: (message: string) => void errors.push(message),
  }
  return { logger, warnings, errors }
}

async function statusOf(relay: Relay, id: string) {
  return (await relay.inbound.get(id)).status
}

describeEachStorage('webhooks no handler matched', ({ env }) => {
  const { relay: makeRelay } = useRelays(env)

  describe('durable mode', () => {
    it('stores a webhook whose type has no handler as unhandled, runs nothing, and emits inbound.unhandled', async () => {
      const relay = await makeRelay({ logger: false })
      const unhandled: InboundUnhandledEvent[] = []
      relay.on('inbound.unhandled', (e) => void unhandled.push(e))
      const processed: string[] = []
      relay.on('inbound.processed', (e) => void processed.push(e.id))
      let runs = 0
      const shop = relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('order.craeted', () => void runs++)

      const request = standardRequest({ type: 'order.created' })
      expect((await shop.handle(request)).status).toBe(200)
      await eventually(() => expect(unhandled).toHaveLength(1))
      const [stored] = (await relay.inbound.list()).data
      expect(unhandled[0]).toEqual({ id: stored!.id, source: 'shop', webhookId: request.id, type: 'order.created', handledTypes: ['order.craeted'] })
      expect(await relay.inbound.get(stored!.id)).toMatchObject({ status: 'unhandled', attempts: 0, lastError: null })
      expect(runs).toBe(0)
      expect(processed).toEqual([])
      expect((await relay.inbound.list({ status: 'unhandled' })).data.map((m) => m.id)).toEqual([stored!.id])
      expect((await relay.stats()).inbound).toMatchObject({ unhandled: 1, processed: 0 })
    })

    it("runs '*' handlers for every type: nothing is unhandled then", async () => {
      const relay = await makeRelay({ logger: false })
      const unhandled: string[] = []
      relay.on('inbound.unhandled', (e) => void unhandled.push(e.id))
      const seen: string[] = []
      const shop = relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('*', (e) => void seen.push(e.type))
      await shop.handle(standardRequest({ type: 'order.created' }))
      await eventually(() => expect(seen).toEqual(['order.created']))
      const [stored] = (await relay.inbound.list()).data
      await eventually(async () => expect(await statusOf(relay, stored!.id)).toBe('processed'))
      expect(unhandled).toEqual([])
    })

    it('replays an unhandled webhook once the handler exists, one by one or by filter', async () => {
      const relay = await makeRelay({ logger: false })
      let unhandledCount = 0
      relay.on('inbound.unhandled', () => void unhandledCount++)
      const shop = relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('order.paid', () => {})
      await shop.handle(standardRequest({ type: 'order.created', data: { n: 1 } }))
      await shop.handle(standardRequest({ type: 'order.created', data: { n: 2 } }))
      await shop.handle(standardRequest({ type: 'order.created', data: { n: 3 } }))
      await eventually(() => expect(unhandledCount).toBe(3))
      const ids = (await relay.inbound.list({ status: 'unhandled' })).data.map((m) => m.id)
      expect(ids).toHaveLength(3)

      const seen: number[] = []
      shop.on<{ n: number }>('order.created', (e) => void seen.push(e.data.n))
      expect(await relay.inbound.replay(ids[0]!)).toEqual({ replayed: true })
      await eventually(async () => expect(await statusOf(relay, ids[0]!)).toBe('processed'))
      // A bulk replay needs the status: without it, it means the dead letters.
      expect(await relay.inbound.replayMany({ type: 'order.created' })).toMatchObject({ changed: 0 })
      expect(await relay.inbound.replayMany({ status: 'unhandled', type: 'order.created' })).toMatchObject({ matched: 2, changed: 2 })
      await eventually(() => expect(seen.sort()).toEqual([1, 2, 3]))
      await eventually(async () => expect((await relay.stats()).inbound).toMatchObject({ unhandled: 0, processed: 3 }))
    })

    it('discards an unhandled webhook an operator does not want', async () => {
      const relay = await makeRelay({ logger: false })
      const unhandled: string[] = []
      relay.on('inbound.unhandled', (e) => void unhandled.push(e.id))
      const shop = relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('order.paid', () => {})
      await shop.handle(standardRequest({ type: 'customer.updated' }))
      await eventually(() => expect(unhandled).toHaveLength(1))
      expect(await relay.inbound.discard(unhandled[0]!)).toEqual({ discarded: true })
      expect(await statusOf(relay, unhandled[0]!)).toBe('discarded')
    })
  })

  describe('the warning when nobody listens', () => {
    it('warns through the logger once per receiver and type, naming the likely typo', async () => {
      const { logger, warnings, errors } = recordingLogger()
      const relay = await makeRelay({ logger })
      const shop = relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('order.craeted', () => {})
      const other = relay.receiver({ name: 'other', secret: STANDARD_SECRET }).on('x.y', () => {})
      for (let i = 0; i < 3; i++) await shop.handle(standardRequest({ type: 'order.created' }))
      await shop.handle(standardRequest({ type: 'refund.issued' }))
      await other.handle(standardRequest({ type: 'order.created' }))
      await eventually(async () => expect((await relay.inbound.list({ status: 'unhandled' })).data).toHaveLength(5))
      await eventually(() => expect(warnings).toHaveLength(3))

      expect(warnings[0]).toContain('receiver "shop" got a "order.created" webhook and no handler matched it')
      expect(warnings[0]).toContain('Did you mean receiver.on("order.created") instead of on("order.craeted")?')
      expect(warnings[0]).toContain("replayMany({ status: 'unhandled', type: \"order.created\" })")
      expect(warnings.filter((w) => w.includes('"refund.issued"'))).toHaveLength(1)
      expect(warnings.filter((w) => w.includes('receiver "other"'))).toHaveLength(1)
      expect(errors).toEqual([])
    })

    it('stays quiet when the app listens to inbound.unhandled, or passes logger: false', async () => {
      const { logger, warnings } = recordingLogger()
      const relay = await makeRelay({ logger })
      let heard = 0
      relay.on('inbound.unhandled', () => void heard++)
      const shop = relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('order.paid', () => {})
      await shop.handle(standardRequest({ type: 'order.created' }))
      await eventually(() => expect(heard).toBe(1))
      expect(warnings).toEqual([])
    })

    it('falls back to logger.error when the logger has no warn', async () => {
      const lines: string[] = []
      const relay = await makeRelay({ logger: { error: (message: string) => void lines.push(message) } })
      const shop = relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('order.paid', () => {})
      await shop.handle(standardRequest({ type: 'order.created' }))
      await eventually(() => expect(lines).toHaveLength(1))
      expect(lines[0]).toContain('no handler matched it')
    })
  })

  describe('inline mode', () => {
    it('answers 200 (retrying cannot help), stores it unhandled, and answers a copy as a duplicate', async () => {
      const relay = await makeRelay({ logger: false, workers: false })
      const unhandled: string[] = []
      relay.on('inbound.unhandled', (e) => void unhandled.push(e.id))
      const shop = relay.receiver({ name: 'shop', secret: STANDARD_SECRET, mode: 'inline' }).on('order.paid', () => {})
      const request = standardRequest({ type: 'order.created' })
      const answer = await shop.handle(request)
      expect(answer.status).toBe(200)
      expect(JSON.parse(answer.body)).toEqual({ received: true })
      expect(unhandled).toHaveLength(1)
      expect(await statusOf(relay, unhandled[0]!)).toBe('unhandled')
      const again = await shop.handle(request)
      expect(again.status).toBe(200)
      expect(JSON.parse(again.body)).toEqual({ received: true, duplicate: true })
      expect(unhandled).toHaveLength(1)
    })
  })
}, relayTargets)
