/**
 * Circuit breaker: an endpoint goes down while orders keep coming. After a handful of failed
 * attempts its circuit opens and its deliveries are deferred without using an attempt; every
 * `resetTimeout` one probe goes through (half-open). When the endpoint is back the probe succeeds,
 * the circuit closes and the backlog drains.
 */
import { generateSecret } from '../../signing/index.js'
import { endpointServer } from '../receivers.js'
import { demoRelay } from '../relays.js'
import type { Scenario } from '../scenario.js'
import { check, checkEqual, sleep, waitFor } from '../util.js'
import { c, ms, num } from '../view.js'

const WARM_UP = 5 // delivered before the outage
const OUTAGE_MS = 3_000
const SEND_EVERY_MS = 50 // one order every 50 ms during the outage
const BREAKER = { volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeout: '1s', window: '10s' } as const
// Long enough that nothing dies during the outage: the point is what the circuit saves.
const SCHEDULE = ['100ms', '200ms', '300ms', '500ms', '500ms', '500ms', '500ms', '500ms', '500ms', '500ms']

type CircuitName = 'opened' | 'half_open' | 'closed'

export const circuitBreaker: Scenario = {
  key: 'circuit',
  title: 'Circuit breaker: an endpoint goes down, the circuit opens, then drains',
  lead:
    `The inventory endpoint answers 503 for ${OUTAGE_MS / 1000} s while an order.created is sent every ${SEND_EVERY_MS} ms. ` +
    `Its circuit (volumeThreshold ${BREAKER.volumeThreshold}, resetTimeout ${BREAKER.resetTimeout}) opens: deliveries are ` +
    'deferred without using an attempt, one probe per reset. The endpoint recovers, a probe closes the circuit, the backlog drains.',

  async run({ backend, view, cleanup }) {
    const secret = generateSecret()
    let up = true
    const inventory = await endpointServer('inventory', secret, cleanup, () => (up ? 200 : 503))

    const relay = demoRelay(backend, 'circuit')
    await relay.start()
    cleanup.add(() => relay.stop())
    const endpoint = await relay.endpoints.create({
      url: inventory.url,
      secret,
      eventTypes: ['order.*'],
      circuitBreaker: BREAKER,
      retry: { schedule: SCHEDULE },
      description: 'inventory service',
    })

    let succeeded = 0
    let deferred = 0
    let dead = 0
    let state = 'closed'
    const transitions: Array<{ name: CircuitName; at: number; failed: number; deferred: number }> = []
    const progress = view.progress([{ key: 'delivered', label: 'delivered', total: WARM_UP }], 500)
    const failed = () => inventory.arrivals.filter((a) => a.status >= 500).length
    const info = () => {
      const colour = state === 'closed' ? c.green : state === 'open' ? c.red : c.yellow
      return `| circuit ${colour(state.padEnd(9))} | attempts ${inventory.arrivals.length} (503: ${failed()}) | deferred ${deferred}`
    }
    const refresh = () => progress.update('delivered', succeeded, info())
    const ticker = setInterval(refresh, 100)
    cleanup.add(() => clearInterval(ticker))

    relay.on('delivery.succeeded', () => {
      succeeded++
      refresh()
    })
    relay.on('delivery.failed', refresh)
    relay.on('delivery.dead', () => void dead++)
    relay.on('delivery.deferred', (e) => {
      if (e.reason === 'circuit_open') deferred++
    })
    const onCircuit = (name: CircuitName, text: () => string) =>
      relay.on(`circuit.${name}`, (e) => {
        if (e.endpointId !== endpoint.id) return
        state = name === 'opened' ? 'open' : name
        transitions.push({ name, at: Date.now(), failed: failed(), deferred })
        view.event('circuit', text())
        refresh()
      })
    onCircuit('opened', () => `${c.red('circuit.opened')}     after ${failed()} failed attempts; deliveries deferred for ${BREAKER.resetTimeout}, no attempts used`)
    onCircuit('half_open', () => `${c.yellow('circuit.half_open')}  one probe may go through`)
    onCircuit('closed', () => `${c.green('circuit.closed')}     the probe succeeded; draining the backlog`)

    const send = (n: number) => relay.send({ type: 'order.created', data: { orderId: `ord_${3000 + n}`, sku: 'SKU-42', quantity: 1 } })
    let sent = 0
    for (; sent < WARM_UP; sent++) await send(sent)
    await waitFor('the warm-up orders to be delivered', () => succeeded === WARM_UP)
    view.event('inventory', `${WARM_UP} orders delivered; now the endpoint goes down (503)`)

    up = false
    const downAt = Date.now()
    while (Date.now() - downAt < OUTAGE_MS) {
      await send(sent++)
      progress.setTotal('delivered', sent)
      await sleep(SEND_EVERY_MS)
    }
    const duringOutage = sent - WARM_UP
    up = true
    const upAt = Date.now()
    view.event('inventory', `back up after ${ms(upAt - downAt)}; ${duringOutage} orders were sent meanwhile`)

    await waitFor('the circuit to close and the backlog to drain', () => succeeded + dead >= sent && state === 'closed', 20_000)
    const drainedAt = Date.now()
    refresh()
    clearInterval(ticker)
    progress.stop()

    // Attempts whose start falls strictly inside an open period (from circuit.opened to the next
    // circuit.half_open), read back from the attempt log.
    const attempts = (await relay.attempts.list({ endpointId: endpoint.id, limit: 1000 })).data
    const openPeriods: Array<[number, number]> = []
    transitions.forEach((t, i) => {
      if (t.name !== 'opened') return
      const next = transitions.slice(i + 1).find((n) => n.name === 'half_open')
      openPeriods.push([t.at, next?.at ?? drainedAt])
    })
    const whileOpen = attempts.filter((a) => openPeriods.some(([from, to]) => a.startedAt.getTime() > from && a.startedAt.getTime() < to))
    const failedDuringOutage = failed()
    const stats = await relay.endpoints.stats(endpoint.id)
    const opened = transitions.filter((t) => t.name === 'opened').length
    const probes = transitions.filter((t) => t.name === 'half_open').length
    const closedAt = transitions.findLast((t) => t.name === 'closed')?.at ?? drainedAt

    view.line()
    view.table(
      ['since the outage began', 'circuit event', 'failed attempts so far', 'deferrals so far'],
      transitions.map((t) => [`+${ms(t.at - downAt)}`, `circuit.${t.name}`, t.failed, t.deferred]),
      ['right', 'left', 'right', 'right'],
    )
    view.table(
      ['', 'figure'],
      [
        ['orders sent during the outage', String(duringOutage)],
        ['attempts that hit the down endpoint (503)', String(failedDuringOutage)],
        ['deferrals by the circuit (no attempt used)', num(deferred)],
        ['attempts started while the circuit was open', c.bold(String(whileOpen.length))],
        ['circuit opened / half-open probes', `${opened} / ${probes}`],
        ['backlog drained', `${ms(drainedAt - closedAt)} after circuit.closed; ${num(sent)} orders delivered`],
      ],
    )

    check(opened >= 1, 'the circuit must open during the outage')
    check(probes >= 1, 'the circuit must go half-open after its reset timeout')
    checkEqual(transitions.at(-1)?.name, 'closed', 'the last circuit event')
    checkEqual(stats.circuit, 'closed', 'circuit state after recovery (endpoints.stats)')
    checkEqual(whileOpen.length, 0, 'attempts started while the circuit was open')
    check(deferred > 0, 'deliveries must be deferred while the circuit is open')
    check(
      failedDuringOutage <= duringOutage / 2,
      `the open circuit should spare the endpoint most attempts: ${failedDuringOutage} attempts for ${duringOutage} orders`,
    )
    checkEqual(dead, 0, 'dead letters')
    checkEqual(succeeded, sent, 'orders delivered')
    view.pass(`no attempt started while the circuit was open; ${num(deferred)} deferrals instead; ${failedDuringOutage} attempts hit the down endpoint for ${duringOutage} orders`)
    view.pass(`circuit opened ${opened}x, probed ${probes}x, closed; all ${sent} orders delivered, none dead-lettered`)
    return `opened ${opened}x, ${probes} probes, 0 attempts while open (${num(deferred)} deferrals), ${failedDuringOutage} failed attempts for ${duringOutage} orders, all ${sent} delivered`
  },
}
