/**
 * Duplicate delivery: the same webhook reaches the customer app three times and its handler runs
 * once.
 *
 * The platform (the sender relay) sends `order.paid` to the customer app (a second relay with a
 * `relay.receiver()` mounted through `nodeReceiver`). A gateway in front of the app loses the app's
 * first 200, so the sender — correctly — tries again with the same `webhook-id`. Then the exact
 * bytes of the first request are replayed straight at the app. Both copies are answered 200 with
 * `duplicate: true` (`inbound.duplicate`), and nothing runs twice. On the sending side, a second
 * `send()` with the same idempotency key writes nothing.
 */
import { generateSecret } from '../../signing/index.js'
import { customerApp, gateway, postRaw } from '../receivers.js'
import { demoRelay } from '../relays.js'
import type { Scenario } from '../scenario.js'
import { check, checkEqual, sleep, waitFor } from '../util.js'
import { c, ms } from '../view.js'

export const duplicateDelivery: Scenario = {
  key: 'duplicate',
  title: 'Duplicate delivery: the same event twice is processed once',
  lead:
    'The platform sends order.paid to the customer app (a second relay: relay.receiver() on nodeReceiver). ' +
    'A gateway loses the app\'s first "200", so the sender retries the same webhook; then the captured ' +
    'request is replayed byte for byte. The app stores the webhook once and its handler runs once.',

  async run({ backend, view, cleanup }) {
    const secret = generateSecret() // the endpoint's signing secret, shared with the customer
    const handled: Array<{ webhookId: string; orderId: string; attempt: number }> = []

    const app = await customerApp(
      backend,
      'dup_customer',
      { name: 'platform', secret },
      (receiver) =>
        receiver.on<{ orderId: string }>('order.paid', (event, ctx) => {
          handled.push({ webhookId: ctx.webhookId, orderId: event.data.orderId, attempt: ctx.attempt })
        }),
      cleanup,
    )
    const inbound = { accepted: 0, duplicate: 0, processed: 0 }
    app.relay.on('inbound.accepted', (e) => {
      inbound.accepted++
      view.event('customer', `inbound.accepted    ${e.webhookId} verified, stored, answered 200`)
    })
    app.relay.on('inbound.processed', (e) => {
      inbound.processed++
      view.event('customer', `inbound.processed   handler ran for ${e.webhookId} (run ${handled.length})`)
    })
    app.relay.on('inbound.duplicate', (e) => {
      inbound.duplicate++
      view.event('customer', `${c.yellow('inbound.duplicate')}   ${e.webhookId} already stored: 200 {"duplicate":true}, handler not run`)
    })

    const gw = await gateway(app.url, cleanup)
    gw.loseAnswers(1)

    const sender = demoRelay(backend, 'dup_sender')
    sender.on('delivery.failed', (e) =>
      view.event('sender', `delivery.failed     attempt ${e.attempt}: HTTP ${e.statusCode} from the gateway; retry in ${ms(e.nextAttemptAt.getTime() - Date.now())}`),
    )
    sender.on('delivery.succeeded', (e) => view.event('sender', `delivery.succeeded  attempt ${e.attempt}: HTTP ${e.statusCode} in ${ms(e.durationMs)}`))
    await sender.start()
    cleanup.add(() => sender.stop())
    await sender.endpoints.create({ url: gw.url, secret, eventTypes: ['order.*'], description: 'customer app behind a gateway' })

    const event = { type: 'order.paid', data: { orderId: 'ord_1042', amount: 4200, currency: 'EUR' }, idempotencyKey: 'ord_1042-paid' }
    const first = await sender.send(event)
    view.event('sender', `send() order.paid -> ${first.messageId} (1 delivery; the gateway will lose the first answer)`)
    const again = await sender.send(event)
    view.event('sender', `send() again, same idempotency key -> duplicate: ${again.duplicate}, same message: ${again.messageId === first.messageId}`)
    check(again.duplicate && again.messageId === first.messageId, 'a second send() with the same idempotency key must return the first message')

    const deliveryId = first.deliveryIds[0]!
    await waitFor('the sender to deliver after its retry', async () => (await sender.deliveries.get(deliveryId)).status === 'succeeded')
    await waitFor('the handler to run', () => handled.length >= 1)
    await waitFor('the retry to be recognised as a duplicate', () => inbound.duplicate >= 1)

    const captured = gw.forwarded[0]
    check(captured, 'the gateway forwarded the first attempt')
    view.event('replayer', `POST the captured first request again, byte for byte, straight to the app`)
    const replay = await postRaw(app.url, captured.body, captured.headers)
    await waitFor('the replay to be recognised as a duplicate', () => inbound.duplicate >= 2)
    await sleep(300) // three poll intervals: time enough for a second run of the handler, if there were one

    const delivery = await sender.deliveries.get(deliveryId)
    const stored = await app.relay.inbound.list({ source: 'platform' })
    const deliveries = await sender.deliveries.list({ messageId: first.messageId })

    view.line()
    view.table(
      ['request', 'reached the app', 'app answered', 'sender got', 'customer event'],
      [
        ['attempt 1', 'via the gateway', `${gw.log[0]?.upstream} received`, `${gw.log[0]?.sent} (answer lost)`, 'inbound.accepted, handler ran'],
        ['attempt 2 (same webhook-id, re-signed)', 'via the gateway', `${gw.log[1]?.upstream} duplicate`, String(gw.log[1]?.sent), 'inbound.duplicate'],
        ['attempt 1 replayed byte for byte', 'directly', `${replay.status} duplicate`, '-', 'inbound.duplicate'],
      ],
      undefined,
      [28, 17, 15, 19, 31],
    )

    checkEqual(deliveries.data.length, 1, 'deliveries for the message (the duplicate send() must add none)')
    checkEqual(delivery.attempts, 2, 'attempts of the delivery (504, then 200)')
    checkEqual(replay.status, 200, 'status of the replayed request')
    check(JSON.parse(replay.body).duplicate === true, `the replay must be answered {"duplicate":true}, got ${replay.body}`)
    checkEqual(inbound.accepted, 1, 'inbound.accepted events')
    checkEqual(inbound.duplicate, 2, 'inbound.duplicate events')
    checkEqual(handled.length, 1, 'handler runs')
    checkEqual(stored.data.length, 1, 'webhooks stored by the customer app')
    checkEqual(stored.data[0]?.status, 'processed', 'status of the stored webhook')
    view.pass('3 copies of one webhook reached the app: stored once, handler ran exactly once, 2 x inbound.duplicate')
    view.pass('send() with the same idempotency key returned the first message and queued nothing')
    return '3 copies received, 1 stored, handler ran 1x, 2 inbound.duplicate; duplicate send() queued nothing'
  },
}
