import { afterEach, describe, expect, it } from 'vitest'
import { NotFoundError, PermanentError, permanent, ValidationError, type InboundContext, type InboundEvent, type Receiver, type Relay } from '../../src/index.js'
import { nodeReceiver } from '../../src/adapters/node/index.js'
import { eventually } from '../support/eventually.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'
import { useRelays } from './support/relays.js'
import { githubRequest, post, serve, sleep, standardRequest, STANDARD_SECRET, stripeRequest, STRIPE_SECRET, GITHUB_SECRET, type Served } from './support/webhooks.js'

describeEachStorage('receiving webhooks', ({ env }) => {
  const { relay: makeRelay, twin } = useRelays(env)
  const servers: Served[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })

  async function mount(receiver: Receiver): Promise<string> {
    const server = await serve(nodeReceiver(receiver))
    servers.push(server)
    return `${server.origin}/webhooks`
  }

  /** Everything the relay emitted about inbound messages, in order. */
  function record(relay: Relay) {
    const events: { name: string; payload: Record<string, unknown> }[] = []
    for (const name of ['inbound.accepted', 'inbound.duplicate', 'inbound.rejected', 'inbound.processed', 'inbound.failed', 'inbound.dead'] as const) {
      relay.on(name, (payload: object) => events.push({ name, payload: payload as Record<string, unknown> }))
    }
    return events
  }

  describe('durable mode (the default)', () => {
    it('stores a verified webhook before answering 200, then runs its handler on the workers', async () => {
      const relay = await makeRelay()
      const events = record(relay)
      const hooks = relay.receiver({ name: 'shop', secret: STANDARD_SECRET })
      const seen: { event: InboundEvent<{ id: string }>; ctx: InboundContext }[] = []
      hooks.on<{ id: string }>('order.created', (event, ctx) => {
        seen.push({ event, ctx })
      })
      const url = await mount(hooks)
      const request = standardRequest({ data: { id: 'ord_42' } })

      const answer = await post(url, request)
      expect(answer.status).toBe(200)
      expect(answer.json).toEqual({ received: true })
      // Stored before the answer: the record exists the moment the sender got its 200.
      const stored = (await relay.inbound.list()).data
      expect(stored).toHaveLength(1)
      expect(stored[0]).toMatchObject({ source: 'shop', webhookId: request.id, type: 'order.created', payload: request.body })

      await eventually(async () => expect((await relay.inbound.get(stored[0]!.id)).status).toBe('processed'))
      expect(seen).toHaveLength(1)
      expect(seen[0]!.event).toMatchObject({ id: stored[0]!.id, webhookId: request.id, type: 'order.created', source: 'shop', data: { id: 'ord_42' } })
      expect(seen[0]!.event.payload).toEqual(JSON.parse(request.body))
      expect(seen[0]!.ctx).toMatchObject({ id: stored[0]!.id, webhookId: request.id, source: 'shop', attempt: 1 })
      expect(seen[0]!.ctx.receivedAt).toBeInstanceOf(Date)
      // Headers are kept for handlers, but never the signature.
      expect(seen[0]!.ctx.headers['webhook-id']).toBe(request.id)
      expect(seen[0]!.ctx.headers['webhook-signature']).toBeUndefined()
      expect(events.map((e) => e.name)).toEqual(['inbound.accepted', 'inbound.processed'])
      expect(events[1]!.payload).toMatchObject({ id: stored[0]!.id, source: 'shop', webhookId: request.id, type: 'order.created', attempt: 1 })
    })

    it('takes the webhook id and the type from each scheme: standard header, stripe event, github headers + action', async () => {
      const relay = await makeRelay()
      const types: Record<string, string[]> = { standard: [], stripe: [], github: [] }
      const standard = relay.receiver({ name: 'std', secret: STANDARD_SECRET }).on('*', (e) => void types.standard!.push(`${e.webhookId} ${e.type}`))
      const stripe = relay.receiver({ name: 'stripe', scheme: 'stripe', secret: STRIPE_SECRET }).on('*', (e) => void types.stripe!.push(`${e.webhookId} ${e.type}`))
      const github = relay.receiver({ name: 'github', scheme: 'github', secret: GITHUB_SECRET }).on('*', (e) => void types.github!.push(`${e.webhookId} ${e.type}`))
      const s = standardRequest({ type: 'user.deleted' })
      const p = stripeRequest({ type: 'invoice.paid' })
      const g = await githubRequest({ event: 'issues', action: 'opened' })
      expect((await post(await mount(standard), s)).status).toBe(200)
      expect((await post(await mount(stripe), p)).status).toBe(200)
      expect((await post(await mount(github), g)).status).toBe(200)
      await eventually(() => expect(Object.values(types).flat()).toHaveLength(3))
      expect(types).toEqual({ standard: [`${s.id} user.deleted`], stripe: [`${p.id} invoice.paid`], github: [`${g.id} issues.opened`] })
    })

    it('lets the webhook id and the type be read by functions of the receiver', async () => {
      const relay = await makeRelay()
      const hooks = relay.receiver({
        name: 'custom',
        secret: STANDARD_SECRET,
        webhookId: ({ payload }) => (payload as { data: { ref: string } }).data.ref,
        eventType: ({ headers }) => headers['x-kind'],
      })
      const url = await mount(hooks)
      const request = standardRequest({ data: { ref: 'ref-7' } })
      expect((await post(url, { body: request.body, headers: { ...request.headers, 'x-kind': 'thing.happened' } })).status).toBe(200)
      expect((await relay.inbound.list()).data[0]).toMatchObject({ webhookId: 'ref-7', type: 'thing.happened' })
      // Without the header the function returns nothing: refused, not stored under a made-up type.
      const other = standardRequest({ data: { ref: 'ref-8' } })
      const answer = await post(url, other)
      expect(answer.status).toBe(400)
      expect(answer.json).toMatchObject({ error: 'missing_event_type' })
      expect((await relay.inbound.list()).data).toHaveLength(1)
    })

    it('acknowledges a repeated webhook with 200 and runs its handler once', async () => {
      const relay = await makeRelay()
      const events = record(relay)
      let runs = 0
      const hooks = relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('order.created', () => void runs++)
      const url = await mount(hooks)
      const request = standardRequest()

      const first = await post(url, request)
      // processed is emitted once the handler's run is settled, a moment after the handler returns.
      await eventually(() => expect(events.map((e) => e.name)).toContain('inbound.processed'))
      expect(runs).toBe(1)
      const again = await post(url, standardRequest({ id: request.id, body: request.body })) // re-signed, as a sender's retry is
      expect([first.status, again.status]).toEqual([200, 200])
      expect(again.json).toEqual({ received: true, duplicate: true })
      await sleep(200)
      expect(runs).toBe(1)
      expect((await relay.inbound.list()).data).toHaveLength(1)
      expect(events.map((e) => e.name)).toEqual(['inbound.accepted', 'inbound.processed', 'inbound.duplicate'])
    })

    it('answers 50 copies arriving at once, across two processes on one database, with 200 and processes one', async () => {
      const a = await makeRelay()
      const b = await twin()
      let runs = 0
      const urls = await Promise.all(
        [a, b].map((relay) => mount(relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('*', () => void runs++))),
      )
      const request = standardRequest()
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => post(urls[i % 2]!, request)))
      expect(answers.map((x) => x.status)).toEqual(Array(50).fill(200))
      expect(answers.filter((x) => x.json?.duplicate !== true)).toHaveLength(1)
      await eventually(async () => expect((await a.inbound.list()).data[0]?.status).toBe('processed'))
      await sleep(300)
      expect(runs).toBe(1)
      expect((await a.inbound.list()).data).toHaveLength(1)
    })

    it('retries a failing handler on the schedule until it succeeds', async () => {
      const relay = await makeRelay()
      const events = record(relay)
      const attempts: number[] = []
      const hooks = relay
        .receiver({ name: 'shop', secret: STANDARD_SECRET, retry: { schedule: ['50ms', '50ms', '50ms'], jitter: 0 } })
        .on('order.created', (_event, ctx) => {
          attempts.push(ctx.attempt)
          if (ctx.attempt < 3) throw new Error(`database busy (${ctx.attempt})`)
        })
      await post(await mount(hooks), standardRequest())

      const [stored] = (await relay.inbound.list()).data
      await eventually(async () => expect((await relay.inbound.get(stored!.id)).status).toBe('processed'))
      expect(attempts).toEqual([1, 2, 3])
      expect(await relay.inbound.get(stored!.id)).toMatchObject({ attempts: 3, lastError: null, deadReason: null })
      const failed = events.filter((e) => e.name === 'inbound.failed').map((e) => e.payload)
      expect(failed.map((f) => [f.attempt, f.error])).toEqual([
        [1, 'Error: database busy (1)'],
        [2, 'Error: database busy (2)'],
      ])
      expect(failed[0]!.nextAttemptAt).toBeInstanceOf(Date)
    })

    it('dead-letters a handler that always fails, and replay processes it once the handler is fixed', async () => {
      const relay = await makeRelay()
      const events = record(relay)
      let fixed = false
      let runs = 0
      const hooks = relay
        .receiver({ name: 'shop', secret: STANDARD_SECRET, retry: { schedule: ['50ms', '50ms'], jitter: 0 } })
        .on('order.created', () => {
          runs++
          if (!fixed) throw new TypeError('cannot read properties of undefined')
        })
      await post(await mount(hooks), standardRequest())

      await eventually(async () => expect((await relay.inbound.list({ status: 'dead' })).data).toHaveLength(1))
      const [dead] = (await relay.inbound.list({ status: 'dead' })).data
      expect(dead).toMatchObject({ attempts: 3, deadReason: 'exhausted', lastError: 'TypeError: cannot read properties of undefined' })
      expect(runs).toBe(3)
      // The event follows the settlement's commit, which the list above may see first.
      await eventually(() => expect(events.filter((e) => e.name === 'inbound.dead')[0]?.payload).toMatchObject({ id: dead!.id, attempt: 3 }))

      fixed = true
      expect(await relay.inbound.replay(dead!.id)).toEqual({ replayed: true })
      await eventually(async () => expect((await relay.inbound.get(dead!.id)).status).toBe('processed'))
      expect(runs).toBe(4)
      // A second replay of a message that is no longer dead does nothing.
      expect(await relay.inbound.replay(dead!.id)).toEqual({ replayed: false })
    })

    it('dead-letters at once when a handler throws a PermanentError (or permanent(error))', async () => {
      const relay = await makeRelay()
      let runs = 0
      const hooks = relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('*', (event) => {
        runs++
        if (event.type === 'order.created') throw new PermanentError('order ord_1 does not exist')
        throw permanent(new RangeError('amount out of range'))
      })
      const url = await mount(hooks)
      await post(url, standardRequest({ type: 'order.created' }))
      await post(url, standardRequest({ type: 'order.paid' }))

      await eventually(async () => expect((await relay.inbound.list({ status: 'dead' })).data).toHaveLength(2))
      const dead = (await relay.inbound.list({ status: 'dead' })).data
      expect(dead.map((d) => [d.type, d.attempts, d.deadReason, d.lastError]).sort()).toEqual([
        ['order.created', 1, 'permanent_error', 'PermanentError: order ord_1 does not exist'],
        ['order.paid', 1, 'permanent_error', 'PermanentError: amount out of range'],
      ])
      expect(runs).toBe(2)
      expect(await relay.inbound.discard(dead[0]!.id)).toEqual({ discarded: true })
      expect((await relay.inbound.get(dead[0]!.id)).status).toBe('discarded')
    })

    it('runs every matching handler (exact type and "*") and retries the message as a whole if one fails', async () => {
      const relay = await makeRelay()
      const calls: string[] = []
      let failOnce = true
      const hooks = relay
        .receiver({ name: 'shop', secret: STANDARD_SECRET, retry: { schedule: ['50ms'], jitter: 0 } })
        .on('order.created', () => void calls.push('exact'))
        .on('order.cancelled', () => void calls.push('other type'))
        .on('*', () => {
          calls.push('any')
          if (failOnce) {
            failOnce = false
            throw new Error('flaky')
          }
        })
      const url = await mount(hooks)
      await post(url, standardRequest({ type: 'order.created' }))
      await eventually(async () => expect((await relay.inbound.list()).data[0]?.status).toBe('processed'))
      expect(calls).toEqual(['exact', 'any', 'exact', 'any'])
    })

    it('on stop(), lets a running handler finish within stopTimeout', async () => {
      const relay = await makeRelay({ stopTimeout: '2s' })
      let started = false
      const hooks = relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('*', async () => {
        started = true
        await sleep(150)
      })
      await post(await mount(hooks), standardRequest())
      await eventually(() => expect(started).toBe(true))
      const [stored] = (await relay.inbound.list()).data
      await relay.stop()
      const after = await twin({ workers: false })
      expect(await after.inbound.get(stored!.id)).toMatchObject({ status: 'processed', attempts: 1 })
    })

    it('on stop(), hands back a handler that outlives stopTimeout, without counting an attempt, for the next process', async () => {
      const relay = await makeRelay({ stopTimeout: '100ms' })
      let started = false
      const hooks = relay.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('*', async () => {
        started = true
        await sleep(1_000)
      })
      await post(await mount(hooks), standardRequest())
      await eventually(() => expect(started).toBe(true))
      const [stored] = (await relay.inbound.list()).data
      const stopping = Date.now()
      await relay.stop()
      expect(Date.now() - stopping).toBeLessThan(800)

      const next = await twin()
      const attempts: number[] = []
      next.receiver({ name: 'shop', secret: STANDARD_SECRET }).on('*', (_event, ctx) => void attempts.push(ctx.attempt))
      await eventually(async () => expect((await next.inbound.get(stored!.id)).status).toBe('processed'))
      expect(attempts).toEqual([1])
    })

    it('keeps webhooks that arrive before any handler is registered, and processes them once one is', async () => {
      const relay = await makeRelay()
      const hooks = relay.receiver({ name: 'early', secret: STANDARD_SECRET })
      await post(await mount(hooks), standardRequest())
      await sleep(150)
      expect((await relay.inbound.list()).data[0]?.status).toBe('pending')
      const seen: string[] = []
      hooks.on('order.created', (e) => void seen.push(e.type))
      await eventually(() => expect(seen).toEqual(['order.created']))
    })
  })

  describe('inline mode', () => {
    it('runs the handlers before answering: 200 once they succeeded', async () => {
      const relay = await makeRelay({ workers: false })
      let done = false
      const hooks = relay.receiver({ name: 'fn', secret: STANDARD_SECRET, mode: 'inline' }).on('order.created', async () => {
        await sleep(50)
        done = true
      })
      const answer = await post(await mount(hooks), standardRequest())
      expect(answer.status).toBe(200)
      expect(done).toBe(true)
      expect((await relay.inbound.list()).data[0]).toMatchObject({ status: 'processed', attempts: 1 })
    })

    it('answers 500 when a handler fails, keeps the webhook, and runs it again when the sender retries', async () => {
      const relay = await makeRelay({ workers: false })
      const events = record(relay)
      let runs = 0
      const hooks = relay.receiver({ name: 'fn', secret: STANDARD_SECRET, mode: 'inline' }).on('order.created', () => {
        runs++
        if (runs === 1) throw new Error('payment service down')
      })
      const url = await mount(hooks)
      const request = standardRequest()

      const first = await post(url, request)
      expect(first.status).toBe(500)
      expect(first.json).toMatchObject({ error: 'handler_failed' })
      expect((await relay.inbound.list()).data[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'Error: payment service down' })

      const retry = await post(url, standardRequest({ id: request.id, body: request.body }))
      expect(retry.status).toBe(200)
      expect(runs).toBe(2)
      expect((await relay.inbound.list()).data[0]).toMatchObject({ status: 'processed', attempts: 2 })
      // Once processed, further copies are acknowledged without running the handler.
      expect((await post(url, standardRequest({ id: request.id, body: request.body }))).status).toBe(200)
      expect(runs).toBe(2)
      expect(events.map((e) => e.name)).toEqual([
        'inbound.accepted',
        'inbound.failed',
        'inbound.duplicate',
        'inbound.processed',
        'inbound.duplicate',
      ])
    })

    it('runs the handler once for 50 copies arriving at once, and answers each 200', async () => {
      const relay = await makeRelay({ workers: false })
      let runs = 0
      const hooks = relay.receiver({ name: 'fn', secret: STANDARD_SECRET, mode: 'inline' }).on('*', async () => {
        runs++
        await sleep(30)
      })
      const url = await mount(hooks)
      const request = standardRequest()
      const answers = await Promise.all(Array.from({ length: 50 }, () => post(url, request)))
      expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200))
      expect(runs).toBe(1)
    })

    it('answers 409 with Retry-After to a copy that reaches another process while the first copy runs', async () => {
      const first = await makeRelay({ workers: false })
      const second = await twin({ workers: false })
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      let runs = 0
      const urls = await Promise.all(
        [first, second].map((relay) =>
          mount(
            relay.receiver({ name: 'fn', secret: STANDARD_SECRET, mode: 'inline' }).on('*', async () => {
              runs++
              await released
            }),
          ),
        ),
      )
      const request = standardRequest()
      const answer = post(urls[0]!, request)
      await eventually(() => expect(runs).toBe(1))
      const copy = await post(urls[1]!, request)
      expect(copy.status).toBe(409)
      expect(copy.headers.get('retry-after')).toBe('5')
      release()
      expect((await answer).status).toBe(200)
      expect((await post(urls[1]!, request)).status).toBe(200)
      expect(runs).toBe(1)
    })

    it('answers 200 for a PermanentError: the webhook is in the dead-letter queue, a retry cannot help', async () => {
      const relay = await makeRelay({ workers: false })
      const hooks = relay.receiver({ name: 'fn', secret: STANDARD_SECRET, mode: 'inline' }).on('*', () => {
        throw new PermanentError('unknown customer')
      })
      expect((await post(await mount(hooks), standardRequest())).status).toBe(200)
      expect((await relay.inbound.list({ status: 'dead' })).data[0]).toMatchObject({ deadReason: 'permanent_error', attempts: 1 })
    })

    it('leaves a failed inline webhook to the workers when the app runs them', async () => {
      const relay = await makeRelay()
      let runs = 0
      const hooks = relay
        .receiver({ name: 'fn', secret: STANDARD_SECRET, mode: 'inline', retry: { schedule: ['50ms'], jitter: 0 } })
        .on('*', () => {
          runs++
          if (runs === 1) throw new Error('once')
        })
      expect((await post(await mount(hooks), standardRequest())).status).toBe(500)
      await eventually(async () => expect((await relay.inbound.list()).data[0]?.status).toBe('processed'))
      expect(runs).toBe(2)
    })
  })

  describe('configuration and operations', () => {
    it('refuses a second receiver with the same name, and bad options with every problem listed', async () => {
      const relay = await makeRelay({ workers: false })
      relay.receiver({ name: 'stripe', scheme: 'stripe', secret: STRIPE_SECRET })
      expect(() => relay.receiver({ name: 'stripe', scheme: 'stripe', secret: STRIPE_SECRET })).toThrow(/already exists/)
      let error: unknown
      try {
        relay.receiver({ name: 'bad name!', scheme: 'paypal' as never, maxBodyBytes: -1 })
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(ValidationError)
      const paths = (error as ValidationError).issues.map((i) => i.path.join('.'))
      expect(paths).toEqual(expect.arrayContaining(['name', 'scheme', 'maxBodyBytes']))
      expect(() => relay.receiver({ name: 'x', secret: '' })).toThrow(/environment variable/)
      expect(() => relay.receiver({ name: 'y' } as never)).toThrow(/secret/)
    })

    it('throws NotFoundError for an unknown inbound message', async () => {
      const relay = await makeRelay({ workers: false })
      await expect(relay.inbound.get('in_nope')).rejects.toBeInstanceOf(NotFoundError)
      await expect(relay.inbound.replay('in_nope')).rejects.toBeInstanceOf(NotFoundError)
      await expect(relay.inbound.discard('in_nope')).rejects.toBeInstanceOf(NotFoundError)
    })
  })
}, relayTargets)
