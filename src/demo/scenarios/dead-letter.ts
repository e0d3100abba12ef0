/**
 * Dead letter: an endpoint that always fails uses up its (shortened) retry schedule and its
 * deliveries land in the dead-letter queue. The endpoint comes back; one dead letter is replayed by
 * id (twice: the second does nothing) and the rest in bulk, and all are delivered.
 */
import type { DeliveryRecord } from '../../index.js'
import { generateSecret } from '../../signing/index.js'
import { endpointServer } from '../receivers.js'
import { demoRelay } from '../relays.js'
import type { Scenario } from '../scenario.js'
import { check, checkEqual, waitFor } from '../util.js'
import { c, ms } from '../view.js'

const INVOICES = ['inv_2001', 'inv_2002', 'inv_2003']
const SCHEDULE = ['100ms', '200ms', '400ms'] // 4 attempts over 0.7 s (the default is 8 over ~28 h)

export const deadLetter: Scenario = {
  key: 'dlq',
  title: 'Dead letter: retries run out, the DLQ holds it, a replay delivers it',
  lead:
    `The billing endpoint answers 500 to everything. Each of ${INVOICES.length} invoice.paid deliveries is tried ` +
    `${SCHEDULE.length + 1} times (retries after ${SCHEDULE.join(', ')}) and dead-lettered. The endpoint comes back; ` +
    'one dead letter is replayed by id, the others with replayMany(), and all are delivered.',

  async run({ backend, view, cleanup }) {
    const secret = generateSecret()
    let up = false
    const billing = await endpointServer('billing', secret, cleanup, () => (up ? 200 : 500))

    const relay = demoRelay(backend, 'dlq')
    const invoiceOf = new Map<string, string>()
    const label = (messageId: string) => invoiceOf.get(messageId) ?? messageId
    relay.on('delivery.failed', (e) =>
      view.event('sender', `delivery.failed     ${label(e.messageId)} attempt ${e.attempt}: HTTP ${e.statusCode}; next in ${ms(e.nextAttemptAt.getTime() - Date.now())}`),
    )
    relay.on('delivery.dead', (e) =>
      view.event('sender', `${c.red('delivery.dead')}       ${label(e.messageId)} after attempt ${e.attempt} (reason: ${e.reason})`),
    )
    relay.on('delivery.succeeded', (e) => view.event('sender', `${c.green('delivery.succeeded')}  ${label(e.messageId)} attempt ${e.attempt}: HTTP ${e.statusCode}`))
    await relay.start()
    cleanup.add(() => relay.stop())

    // The circuit breaker is off for this endpoint so that every retry reaches it: here the point is
    // the retry schedule running out (see the circuit-breaker scenario for the other behaviour).
    const endpoint = await relay.endpoints.create({
      url: billing.url,
      secret,
      eventTypes: ['invoice.*'],
      retry: { schedule: SCHEDULE },
      circuitBreaker: { enabled: false },
      description: 'billing (down)',
    })

    const sent: string[] = []
    for (const invoiceId of INVOICES) {
      const { messageId, deliveryIds } = await relay.send({ type: 'invoice.paid', data: { invoiceId, amount: 1999 } })
      invoiceOf.set(messageId, invoiceId)
      sent.push(deliveryIds[0]!)
    }
    view.event('sender', `sent ${INVOICES.length} x invoice.paid to the billing endpoint`)

    const dead = async () => (await relay.dlq.list({ endpointId: endpoint.id })).data
    await waitFor('every delivery to be dead-lettered', async () => (await dead()).length === INVOICES.length)
    const letters = await dead()

    view.line()
    view.note(c.bold('The dead-letter queue (relay.dlq.list):'))
    view.table(
      ['delivery', 'invoice', 'attempts', 'last status', 'dead reason'],
      letters.map((d: DeliveryRecord) => [d.id, label(d.messageId), d.attempts, d.lastStatusCode ?? '-', d.deadReason ?? '-']),
      ['left', 'left', 'right', 'right', 'left'],
    )
    for (const d of letters) {
      checkEqual(d.attempts, SCHEDULE.length + 1, `attempts of dead letter ${d.id}`)
      checkEqual(d.deadReason, 'exhausted', `dead reason of ${d.id}`)
      checkEqual(d.lastStatusCode, 500, `last status of ${d.id}`)
    }
    checkEqual(billing.arrivals.length, INVOICES.length * (SCHEDULE.length + 1), 'requests that reached the failing endpoint')
    view.pass(`${letters.length} deliveries in the DLQ after ${SCHEDULE.length + 1} attempts each; nothing retried while they sit there`)
    view.line()

    up = true
    view.event('billing', 'the endpoint is back (answers 200)')
    const firstId = sent[0]!
    const once = await relay.dlq.replay(firstId)
    const twice = await relay.dlq.replay(firstId)
    const firstInvoice = INVOICES[0]!
    view.event('operator', `dlq.replay(<${firstInvoice}'s delivery>) -> replayed: ${once.replayed}; again -> replayed: ${twice.replayed} (queued once)`)
    check(once.replayed && !twice.replayed, 'replaying a dead letter twice must queue it once')
    const bulk = await relay.dlq.replayMany({ endpointId: endpoint.id })
    view.event('operator', `dlq.replayMany({ endpointId }) -> matched ${bulk.matched}, changed ${bulk.changed}`)
    checkEqual(bulk.changed, INVOICES.length - 1, 'dead letters replayed in bulk')

    await waitFor('the replayed deliveries to succeed', async () => {
      const states = await Promise.all(sent.map((id) => relay.deliveries.get(id)))
      return states.every((d) => d.status === 'succeeded')
    })
    const after = await dead()
    const attempts = (await relay.attempts.list({ deliveryId: firstId })).data.sort((a, b) => a.number - b.number)

    view.line()
    view.note(c.bold(`The attempt log of ${firstInvoice}'s delivery (relay.attempts.list):`))
    const t0 = attempts[0]?.startedAt.getTime() ?? 0
    view.table(
      ['#', 'started', 'status', 'outcome', 'trigger'],
      attempts.map((a) => [a.number, `+${a.startedAt.getTime() - t0} ms`, a.statusCode ?? a.error ?? '-', a.outcome, a.trigger]),
      ['right', 'right', 'right', 'left', 'left'],
    )

    checkEqual(after.length, 0, 'dead letters left after the replay')
    checkEqual(attempts.length, SCHEDULE.length + 2, 'attempts in the log (4 scheduled + 1 after the replay)')
    checkEqual(attempts.at(-1)?.trigger, 'manual', 'trigger of the replayed attempt')
    checkEqual(attempts.at(-1)?.outcome, 'succeeded', 'outcome of the replayed attempt')
    const ids = new Set(billing.arrivals.map((a) => a.webhookId))
    checkEqual(ids.size, INVOICES.length, 'distinct webhook-ids the endpoint saw (a replay keeps the id)')
    view.pass('the DLQ is empty; each replay was delivered with its original webhook-id, logged as trigger "manual"')
    return `${letters.length} dead-lettered after ${SCHEDULE.length + 1} attempts each, replayed (1 by id, ${bulk.changed} in bulk), all delivered, DLQ empty`
  },
}

