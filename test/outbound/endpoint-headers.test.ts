import { afterEach, expect, it } from 'vitest'
import { createRelay, REDACTED, type Relay } from '../../src/index.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { describeEachStorage, sqliteTarget } from '../support/storages.js'

describeEachStorage(
  'endpoint custom headers',
  (ctx) => {
    let relay: Relay | undefined
    let receiver: TestReceiver | undefined
    afterEach(async () => {
      await relay?.stop()
      await receiver?.close()
      relay = receiver = undefined
    })

    it('are redacted by create, get, list, update and disable, revealed by getHeaders, and sent in clear', async () => {
      receiver = await startReceiver()
      relay = createRelay({
        storage: await ctx.env().freshStorage(),
        network: { allowPrivate: true },
        delivery: { pollInterval: '50ms' },
      })
      const headers = { authorization: 'Bearer sk_live_42', 'x-region': 'eu' }
      const created = await relay.endpoints.create({ url: receiver.url, headers })
      const redacted = { authorization: REDACTED, 'x-region': REDACTED }
      expect(created.headers).toEqual(redacted)
      expect((await relay.endpoints.get(created.id)).headers).toEqual(redacted)
      expect((await relay.endpoints.list()).data.map((e) => e.headers)).toEqual([redacted])
      expect((await relay.endpoints.disable(created.id, 'x')).headers).toEqual(redacted)
      expect((await relay.endpoints.enable(created.id)).headers).toEqual(redacted)
      expect(JSON.stringify(await relay.endpoints.list())).not.toContain('sk_live_42')
      expect(await relay.endpoints.getHeaders(created.id)).toEqual(headers)

      // Sending back what was read keeps the stored values; a new value replaces one.
      const updated = await relay.endpoints.update(created.id, { headers: { ...redacted, 'x-region': 'us' } })
      expect(updated.headers).toEqual(redacted)
      expect(await relay.endpoints.getHeaders(created.id)).toEqual({ authorization: 'Bearer sk_live_42', 'x-region': 'us' })

      await relay.start()
      await relay.send({ type: 'order.created', data: {} })
      const [request] = await receiver.waitFor(1)
      expect(request!.headers).toMatchObject({ authorization: 'Bearer sk_live_42', 'x-region': 'us' })
    })
  },
  [sqliteTarget],
)
