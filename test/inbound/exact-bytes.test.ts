import { expect, it } from 'vitest'
import type { InboundRejectedEvent } from '../../src/index.js'
import { sign } from '../../src/signing/index.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'
import { useRelays } from './support/relays.js'
import { post, STANDARD_SECRET } from './support/webhooks.js'
import { mountNode } from '../adapters/mounts.js'

function signed(body: Buffer, id: string) {
  return {
    body,
    headers: { 'content-type': 'application/json', ...sign({ scheme: 'standard', secret: STANDARD_SECRET, id, payload: body }) },
  }
}

describeEachStorage('inbound payloads are the bytes received', ({ env }) => {
  const { relay: makeRelay } = useRelays(env)

  it('stores a UTF-8 body byte for byte, and refuses a signed body that is not UTF-8 instead of storing it decoded', async () => {
    const relay = await makeRelay()
    const rejected: InboundRejectedEvent[] = []
    relay.on('inbound.rejected', (e) => void rejected.push(e))
    const mounted = await mountNode(relay.receiver({ name: 'shop', secret: STANDARD_SECRET }))
    try {
      // Multi-byte characters, an escaped and a raw non-BMP one, odd whitespace: all kept as sent.
      const utf8 = Buffer.from('{ "type":"order.created",\t"data": { "name": "Zoë 🚀 \\ud83d\\ude80", "n": 1.50 } }\n', 'utf8')
      expect((await post(mounted.url, signed(utf8, 'msg_utf8'))).status).toBe(200)
      const stored = (await relay.inbound.list({ source: 'shop' })).data
      expect(stored).toHaveLength(1)
      expect(Buffer.from(stored[0]!.payload, 'utf8').equals(utf8)).toBe(true)

      // Latin-1 'é' (0xE9) inside a string: valid signature, not UTF-8. Decoding would store U+FFFD.
      const latin1 = Buffer.concat([Buffer.from('{"type":"order.created","data":{"name":"Ren'), Buffer.from([0xe9]), Buffer.from('"}}')])
      const answer = await post(mounted.url, signed(latin1, 'msg_latin1'))
      expect(answer.status).toBe(400)
      expect(answer.json).toEqual({ error: 'invalid_json', message: 'The body is not valid JSON: it is not UTF-8.' })
      expect(rejected.map((e) => e.reason)).toEqual(['INVALID_JSON'])
      expect((await relay.inbound.list({ source: 'shop' })).data).toHaveLength(1)
    } finally {
      await mounted.close()
    }
  })
}, relayTargets)
