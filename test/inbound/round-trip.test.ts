import { afterEach, expect, it } from 'vitest'
import type { InboundEvent } from '../../src/index.js'
import { nodeReceiver } from '../../src/adapters/node/index.js'
import { eventually } from '../support/eventually.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'
import { useRelays } from './support/relays.js'
import { serve, type Served } from './support/webhooks.js'

describeEachStorage('one relay sending to another', ({ env }) => {
  const { relay: makeRelay } = useRelays(env)
  let server: Served | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('delivers a send() to another relay\'s receiver, which verifies and processes it once', async () => {
    const receiving = await makeRelay()
    const sending = await makeRelay()
    const seen: InboundEvent<{ id: string; total: number }>[] = []
    // The endpoint's secret exists once the endpoint does, and the endpoint needs the server's URL.
    let handler: ReturnType<typeof nodeReceiver> | undefined
    server = await serve((req, res) => void handler?.(req, res))
    const endpoint = await sending.endpoints.create({ url: `${server.origin}/webhooks/shop` })
    const shop = receiving.receiver({ name: 'shop', secret: endpoint.secret })
    shop.on<{ id: string; total: number }>('order.created', (event) => void seen.push(event))
    handler = nodeReceiver(shop)

    const sent = await sending.send({ type: 'order.created', data: { id: 'ord_1', total: 42 } })
    await eventually(() => expect(seen).toHaveLength(1))
    expect(seen[0]).toMatchObject({ webhookId: sent.messageId, type: 'order.created', data: { id: 'ord_1', total: 42 } })
    await eventually(async () => expect((await sending.deliveries.get(sent.deliveryIds[0]!)).status).toBe('succeeded'))
    await eventually(async () => expect((await receiving.inbound.list()).data[0]?.status).toBe('processed'))
  })
}, relayTargets)
