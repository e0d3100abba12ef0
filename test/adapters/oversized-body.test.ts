import http from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { describeEachStorage, sqliteTarget } from '../support/storages.js'
import { useRelays } from '../inbound/support/relays.js'
import { STANDARD_SECRET, standardRequest } from '../inbound/support/webhooks.js'
import { mounts, type Mounted } from './mounts.js'

const MIB = 1_048_576
const ROUNDS = 20

/** Posts `size` bytes with Node's own HTTP client, streamed in 64 KiB chunks (chunked when `declare` is false). */
function postBig(url: string, size: number, declare: boolean, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { ...headers, ...(declare ? { 'content-length': String(size) } : {}) },
    })
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    const chunk = Buffer.alloc(64 * 1024, 0x78)
    let sent = 0
    const pump = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent)
        sent += n
        if (!req.write(chunk.subarray(0, n))) return void req.once('drain', pump)
      }
      req.end()
    }
    pump()
  })
}

// A body over the limit gets a readable 413, never a reset, whatever client and framework.
describeEachStorage(
  'oversized inbound bodies',
  ({ env }) => {
    const { relay: makeRelay } = useRelays(env)
    const opened: Mounted[] = []
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((m) => m.close()))
    })

    for (const [adapter, mount] of Object.entries(mounts)) {
      describe(`${adapter} adapter`, () => {
        it(`answers 2 and 12 MiB bodies with a readable 413, ${ROUNDS} times in a row, with fetch and with node:http`, { timeout: 120_000 }, async () => {
          const relay = await makeRelay()
          const mounted = await mount(relay.receiver({ name: 'shop', secret: STANDARD_SECRET }))
          opened.push(mounted)
          const { headers } = standardRequest()
          const expected = { error: 'payload_too_large', message: 'The body must be at most 1048576 bytes.' }
          // 2 MiB, and 12 MiB: more than the socket buffers hold, so the client is surely still sending.
          const sizeOf = (i: number) => (i % 2 === 0 ? 2 : 12) * MIB
          // Sent two at a time: a busy server is when a close under a sender's feet turns into a reset.
          const send = async (i: number): Promise<string> => {
            const answer =
              i % 3 === 0
                ? await fetch(mounted.url, { method: 'POST', headers, body: Buffer.alloc(sizeOf(i), 0x78) }).then(
                    async (res) => ({ status: res.status, text: await res.text() }),
                    (error: Error) => ({ status: 0, text: String(error.cause ?? error) }),
                  )
                : await postBig(mounted.url, sizeOf(i), i % 3 === 1, headers).catch((error: Error) => ({ status: 0, text: String(error) }))
            return answer.status === 413 && answer.text === JSON.stringify(expected) ? '413' : `${answer.status} ${answer.text.slice(0, 80)}`
          }
          const outcomes: string[] = []
          for (let i = 0; i < ROUNDS; i += 2) outcomes.push(...(await Promise.all([send(i), send(i + 1)])))
          expect(outcomes).toEqual(Array(ROUNDS).fill('413'))
          expect((await relay.inbound.list()).data).toEqual([])
        })
      })
    }
  },
  [sqliteTarget],
)
