import { expect, it } from 'vitest'
import { eventually } from '../support/eventually.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'
import { useRelays } from './support/relays.js'
import { standardRequest, STANDARD_SECRET } from './support/webhooks.js'

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000)

describeEachStorage(
  'a receiver taking webhooks in',
  ({ env }) => {
    const { relay: makeRelay } = useRelays(env)

    it("refuses a webhook signed longer ago than the receiver's tolerance, and takes it within it", async () => {
      const relay = await makeRelay()
      const rejected: string[] = []
      relay.on('inbound.rejected', (event) => rejected.push(event.reason))
      const old = standardRequest({ at: minutesAgo(6) })

      const byDefault = relay.receiver({ name: 'default', secret: STANDARD_SECRET })
      expect((await byDefault.handle(old)).status).toBe(401)
      expect(rejected).toEqual(['TIMESTAMP_TOO_OLD'])
      expect((await byDefault.handle(standardRequest({ at: minutesAgo(4) }))).status).toBe(200)

      const lenient = relay.receiver({ name: 'lenient', secret: STANDARD_SECRET, tolerance: '10m' })
      expect((await lenient.handle(old)).status).toBe(200)
      expect((await lenient.handle(standardRequest({ at: minutesAgo(11) }))).status).toBe(401)

      const unchecked = relay.receiver({ name: 'unchecked', secret: STANDARD_SECRET, tolerance: false })
      expect((await unchecked.handle(standardRequest({ at: minutesAgo(60 * 24) }))).status).toBe(200)
      expect((await relay.inbound.list({ source: 'unchecked' })).data).toHaveLength(1)
    })

    it('runs a webhook stored before its receiver had a handler as soon as one is registered, not at the next poll', async () => {
      // Without a handler the workers are not woken per webhook; registering one wakes them.
      const relay = await makeRelay({ inbound: { pollInterval: '1h' } })
      const receiver = relay.receiver({ name: 'shop', secret: STANDARD_SECRET })
      expect((await receiver.handle(standardRequest({ data: { id: 'ord_7' } }))).status).toBe(200)
      const [stored] = (await relay.inbound.list({ source: 'shop' })).data
      expect(stored?.status).toBe('pending')

      const seen: string[] = []
      receiver.on<{ id: string }>('order.created', (event) => {
        seen.push(event.data.id)
      })
      await eventually(async () => expect((await relay.inbound.get(stored!.id)).status).toBe('processed'))
      expect(seen).toEqual(['ord_7'])

      // With the handler there, the next webhook is run at once too.
      expect((await receiver.handle(standardRequest({ data: { id: 'ord_8' } }))).status).toBe(200)
      await eventually(() => expect(seen).toEqual(['ord_7', 'ord_8']))
    })
  },
  relayTargets,
)
