import { afterEach, describe, expect, it } from 'vitest'
import type { InboundRejectedEvent, Receiver, Relay } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { describeEachStorage, sqliteTarget } from '../support/storages.js'
import { useRelays } from '../inbound/support/relays.js'
import {
  GITHUB_SECRET,
  githubRequest,
  post,
  STANDARD_SECRET,
  standardRequest,
  STRIPE_SECRET,
  stripeRequest,
  type SignedRequest,
} from '../inbound/support/webhooks.js'
import { mounts, type Mounted } from './mounts.js'

const MINUTE = 60_000

// The adapters only move bytes; SQLite (a real file) is the storage here. The storage matrix
// runs in test/inbound.
describeEachStorage(
  'receiver adapters',
  ({ env }) => {
    const { relay: makeRelay } = useRelays(env)
    const opened: Mounted[] = []
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((m) => m.close()))
    })

    for (const [adapter, mount] of Object.entries(mounts)) {
      describe(`${adapter} adapter`, () => {
        async function setup(): Promise<{ relay: Relay; receivers: Record<'standard' | 'stripe' | 'github', { receiver: Receiver; url: string }>; handled: string[]; rejected: InboundRejectedEvent[] }> {
          const relay = await makeRelay()
          const handled: string[] = []
          const rejected: InboundRejectedEvent[] = []
          relay.on('inbound.rejected', (e) => rejected.push(e))
          const make = async (receiver: Receiver) => {
            receiver.on('*', (event) => void handled.push(`${event.source} ${event.type} ${event.webhookId}`))
            const mounted = await mount(receiver)
            opened.push(mounted)
            return { receiver, url: mounted.url }
          }
          const receivers = {
            standard: await make(relay.receiver({ name: 'standard', secret: STANDARD_SECRET, maxBodyBytes: 4096 })),
            stripe: await make(relay.receiver({ name: 'stripe', scheme: 'stripe', secret: STRIPE_SECRET })),
            github: await make(relay.receiver({ name: 'github', scheme: 'github', secret: GITHUB_SECRET })),
          }
          return { relay, receivers, handled, rejected }
        }

        it('accepts requests signed by standardwebhooks, stripe and @octokit/webhooks-methods, and processes them', async () => {
          const { relay, receivers, handled } = await setup()
          const s = standardRequest({ type: 'order.created' })
          const p = stripeRequest({ type: 'payment_intent.succeeded' })
          const g = await githubRequest({ event: 'issues', action: 'opened' })
          const answers = [await post(receivers.standard.url, s), await post(receivers.stripe.url, p), await post(receivers.github.url, g)]
          expect(answers.map((a) => [a.status, a.json])).toEqual(Array(3).fill([200, { received: true }]))
          await eventually(() => expect(handled).toHaveLength(3))
          expect(handled.sort()).toEqual(
            [`standard order.created ${s.id}`, `stripe payment_intent.succeeded ${p.id}`, `github issues.opened ${g.id}`].sort(),
          )
          // The stored payload is the body byte for byte (Stripe's is pretty-printed JSON).
          const stored = (await relay.inbound.list({ source: 'stripe' })).data[0]!
          expect(stored.payload).toBe(p.body)
        })

        it('refuses forged, replayed, malformed and oversized requests with the right status, and stores nothing', async () => {
          const { relay, receivers, rejected } = await setup()
          const now = Date.now()
          const good = standardRequest()
          const stale = standardRequest({ at: new Date(now - 10 * MINUTE) })
          const future = standardRequest({ at: new Date(now + 10 * MINUTE) })
          const notJson = standardRequest({ body: 'this is not json' })
          const big = standardRequest({ data: { blob: 'x'.repeat(5000) } })
          const { 'webhook-signature': _signature, ...unsigned } = good.headers
          const { 'webhook-id': _id, ...noId } = good.headers
          const github = await githubRequest()
          const { 'x-github-event': _event, ...noEvent } = github.headers
          const stripe = stripeRequest()

          const cases: [string, string, SignedRequest, number, string][] = [
            ['tampered body', receivers.standard.url, { ...good, body: good.body.replace('ord_1', 'ord_2') }, 401, 'NO_MATCHING_SIGNATURE'],
            ['wrong secret', receivers.standard.url, standardRequest({ secret: 'whsec_' + Buffer.from('another secret, 32 bytes long!!!').toString('base64') }), 401, 'NO_MATCHING_SIGNATURE'],
            ['stale timestamp', receivers.standard.url, stale, 401, 'TIMESTAMP_TOO_OLD'],
            ['future timestamp', receivers.standard.url, future, 401, 'TIMESTAMP_TOO_NEW'],
            ['missing signature', receivers.standard.url, { ...good, headers: unsigned }, 400, 'MISSING_HEADER'],
            ['missing webhook-id', receivers.standard.url, { ...good, headers: noId }, 400, 'MISSING_HEADER'],
            ['oversized body', receivers.standard.url, big, 413, 'PAYLOAD_TOO_LARGE'],
            ['not JSON', receivers.standard.url, notJson, 400, 'INVALID_JSON'],
            ['wrong content type', receivers.standard.url, { ...good, headers: { ...good.headers, 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
            ['stripe, tampered', receivers.stripe.url, { ...stripe, body: stripe.body.replace('4200', '1') }, 401, 'NO_MATCHING_SIGNATURE'],
            ['stripe, stale', receivers.stripe.url, stripeRequest({ at: new Date(now - 10 * MINUTE) }), 401, 'TIMESTAMP_TOO_OLD'],
            ['github, wrong secret', receivers.github.url, await githubRequest({ secret: 'not it' }), 401, 'NO_MATCHING_SIGNATURE'],
            ['github, no event header', receivers.github.url, { ...github, headers: noEvent }, 400, 'MISSING_HEADER'],
          ]
          for (const [label, url, request, status, reason] of cases) {
            const answer = await post(url, request)
            expect({ label, status: answer.status }).toEqual({ label, status })
            expect({ label, reason: rejected.at(-1)?.reason }).toEqual({ label, reason })
            // The answer never says which check of a signature failed; the event does.
            if (status === 401) expect(answer.json).toEqual({ error: 'invalid_signature' })
          }
          // Express and Fastify route by method themselves (404); the bare adapters answer 405.
          if (adapter === 'node' || adapter === 'fetch') expect((await post(receivers.standard.url, good, 'PUT')).status).toBe(405)
          expect((await relay.inbound.list()).data).toEqual([])
        })

        it('answers a duplicate with 200 and processes it once', async () => {
          const { relay, receivers, handled } = await setup()
          const request = stripeRequest()
          const answers = await Promise.all(Array.from({ length: 10 }, () => post(receivers.stripe.url, request)))
          expect(answers.every((a) => a.status === 200)).toBe(true)
          await eventually(() => expect(handled).toHaveLength(1))
          expect((await relay.inbound.list()).data).toHaveLength(1)
        })
      })
    }
  },
  [sqliteTarget],
)
