import type { WebhookEventMap, IssuesOpenedEvent, PushEvent } from '@octokit/webhooks-types'
import type Stripe from 'stripe'
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import { expressReceiver } from '../../src/adapters/express/index.js'
import { fetchReceiver } from '../../src/adapters/fetch/index.js'
import { createRelay, sqliteStorage, type GitHubEvents, type InboundContext, type InboundEvent, type Relay, type StripeEvents } from '../../src/index.js'
import { standardRequest, STANDARD_SECRET } from './support/webhooks.js'

/** The app's own map: event type → the `data` of that event. */
interface ShopEvents {
  'order.created': { id: string; total: number }
  'order.cancelled': { id: string; reason: string | null }
}

const relays: Relay[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()))
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})
function relay(): Relay {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-typed-'))
  dirs.push(dir)
  const r = createRelay({ storage: sqliteStorage({ filename: join(dir, 'typed.db') }), logger: false })
  relays.push(r)
  return r
}

describe('typed receivers (checked by tsc: npm run typecheck)', () => {
  it('types event.data from the map given to relay.receiver<Events>(), and refuses types not in it', () => {
    const shop = relay().receiver<ShopEvents>({ name: 'shop', secret: STANDARD_SECRET })
    shop.on('order.created', (event, ctx) => {
      expectTypeOf(event.data).toEqualTypeOf<{ id: string; total: number }>()
      expectTypeOf(event.data.total).toBeNumber()
      expectTypeOf(event.type).toEqualTypeOf<'order.created'>()
      expectTypeOf(ctx).toEqualTypeOf<InboundContext>()
    })
    shop.on('order.cancelled', (event) => {
      expectTypeOf(event.data.reason).toEqualTypeOf<string | null>()
    })
    // '*' gets one of every type, narrowed by `type`.
    shop.on('*', (event) => {
      if (event.type === 'order.created') expectTypeOf(event.data.total).toBeNumber()
      else expectTypeOf(event.data.reason).toEqualTypeOf<string | null>()
    })
    // @ts-expect-error a typo of a type in the map is a compile error
    shop.on('order.craeted', () => {})
    shop.on('order.created', (event) => {
      // @ts-expect-error data has no such field
      void event.data.totl
    })
    // Still an explicit data type by hand where one wants it.
    shop.on<{ custom: true }>('order.created', (event) => {
      expectTypeOf(event.data).toEqualTypeOf<{ custom: true }>()
    })
    // Typed receivers mount like any other.
    expectTypeOf(expressReceiver(shop)).toBeFunction()
    expectTypeOf(fetchReceiver(shop)).toBeFunction()
  })

  it('keeps the untyped receiver as it was: any type, data unknown unless given', () => {
    const any = relay().receiver({ name: 'any', secret: STANDARD_SECRET })
    any.on('whatever.type', (event) => {
      expectTypeOf(event.data).toBeUnknown()
      expectTypeOf(event.payload).toBeUnknown()
      expectTypeOf(event.type).toBeString()
    })
    any.on<{ id: string }>('order.created', (event) => {
      expectTypeOf(event.data.id).toBeString()
    })
    any.on('x', (event: InboundEvent<{ n: number }>) => {
      expectTypeOf(event.data.n).toBeNumber()
    })
  })

  it('types a Stripe receiver from the stripe SDK the app imports', () => {
    const stripe = relay().receiver<StripeEvents<Stripe.Event>>({ name: 'stripe', scheme: 'stripe', secret: 'whsec_test_secret_for_types' })
    stripe.on('invoice.paid', (event) => {
      expectTypeOf(event.data.object).toEqualTypeOf<Stripe.Invoice>()
      expectTypeOf(event.payload).toEqualTypeOf<Stripe.InvoicePaidEvent>()
      expectTypeOf(event.data.object.amount_paid).toBeNumber()
    })
    stripe.on('payment_intent.succeeded', (event) => {
      expectTypeOf(event.data.object).toEqualTypeOf<Stripe.PaymentIntent>()
    })
    // @ts-expect-error not a Stripe event type
    stripe.on('invoice.payed', () => {})
  })

  it('types a GitHub receiver from @octokit/webhooks-types, with hookrelay\'s event.action types', () => {
    const github = relay().receiver<GitHubEvents<WebhookEventMap>>({ name: 'github', scheme: 'github', secret: 'It is a secret to everybody' })
    github.on('issues.opened', (event) => {
      expectTypeOf(event.data).toEqualTypeOf<IssuesOpenedEvent>()
      expectTypeOf(event.data.issue.number).toBeNumber()
    })
    github.on('push', (event) => {
      expectTypeOf(event.payload).toEqualTypeOf<PushEvent>()
    })
    // @ts-expect-error 'issues' events always carry an action
    github.on('issues', () => {})
  })

  it('runs typed handlers with the data the sender sent', async () => {
    const r = relay()
    await r.start({ workers: false })
    const shop = r.receiver<ShopEvents>({ name: 'shop', secret: STANDARD_SECRET, mode: 'inline' })
    const totals: number[] = []
    shop.on('order.created', (event) => {
      totals.push(event.data.total)
    })
    const answer = await shop.handle(standardRequest({ type: 'order.created', data: { id: 'ord_1', total: 42 } }))
    expect(answer.status).toBe(200)
    expect(totals).toEqual([42])
  })
})
