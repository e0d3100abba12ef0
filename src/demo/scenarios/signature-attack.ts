/**
 * Signature attack: raw HTTP requests against the customer app's receiver. Forged, tampered,
 * stale, future-dated, header-less and re-identified requests are refused (4xx) with an answer
 * that never says which check failed — every 401 has the same body — while the precise reason
 * goes to the app's own `inbound.rejected` event. Valid requests pass; a replay inside the
 * tolerance is acknowledged as a duplicate and not processed again; the same replay outside the
 * tolerance is refused. Nothing refused is stored.
 */
import { randomUUID } from 'node:crypto'
import type { InboundRejectedEvent } from '../../index.js'
import { generateSecret, sign } from '../../signing/index.js'
import { customerApp, postRaw } from '../receivers.js'
import type { Scenario } from '../scenario.js'
import { check, checkEqual, sleep, waitFor } from '../util.js'
import { c } from '../view.js'

const TOLERANCE_S = 2 // the receiver's timestamp tolerance, shortened from the default 5 minutes

interface Request {
  body: string
  headers: Record<string, string>
}

type Expected = { status: 200; outcome: 'accepted' | 'duplicate' } | { status: 400 | 401; reason: string }

export const signatureAttack: Scenario = {
  key: 'attack',
  title: 'Signature attack: forged, tampered and replayed requests are refused',
  lead:
    'Raw HTTP requests against the customer app\'s receiver (tolerance shortened to ' +
    `${TOLERANCE_S}s for the demo; default 5m). Refusals are answered 4xx without saying why; ` +
    'the precise reason is only in the app\'s inbound.rejected event. Valid requests pass; nothing refused is stored.',

  async run({ backend, view, cleanup }) {
    const secret = generateSecret()
    const attackerSecret = generateSecret()
    const handled: string[] = []
    const app = await customerApp(
      backend,
      'attack_customer',
      { name: 'platform', secret, tolerance: `${TOLERANCE_S}s` },
      (receiver) => receiver.on('payout.created', (_event, ctx) => void handled.push(ctx.webhookId)),
      cleanup,
    )
    const rejected: InboundRejectedEvent[] = []
    app.relay.on('inbound.rejected', (e) => rejected.push(e))
    const events = { accepted: 0, duplicate: 0 }
    app.relay.on('inbound.accepted', () => events.accepted++)
    app.relay.on('inbound.duplicate', () => events.duplicate++)

    const payout = (amount: number) =>
      JSON.stringify({ type: 'payout.created', timestamp: new Date().toISOString(), data: { payoutId: 'po_7731', amount, currency: 'EUR' } })
    const signed = (body: string, options: { id?: string; secret?: string; at?: number } = {}): Request => ({
      body,
      headers: {
        'content-type': 'application/json',
        ...sign({ secret: options.secret ?? secret, id: options.id ?? `msg_${randomUUID()}`, payload: body, timestamp: options.at ?? nowS() }),
      },
    })
    const without = (request: Request, ...names: string[]): Request => ({
      body: request.body,
      headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => !names.includes(name))),
    })

    const rows: Array<Array<string | number>> = []
    const bodies401 = new Set<string>()
    const accepted: string[] = []
    let refused = 0
    const attempt = async (label: string, request: Request, expected: Expected) => {
      const before = rejected.length
      const answer = await postRaw(app.url, request.body, request.headers)
      const event = rejected.slice(before)
      const what = 'reason' in expected ? c.red('refused') : c.green(expected.outcome === 'duplicate' ? 'acknowledged as a duplicate' : 'accepted')
      view.event('attacker', `${label.padEnd(34)} -> ${answer.status} ${what}`)
      rows.push([
        rows.length + 1,
        label,
        answer.status,
        shorten(answer.body),
        event[0] ? `${event[0].reason}` : `- (inbound.${'outcome' in expected ? expected.outcome : '?'})`,
      ])
      checkEqual(answer.status, expected.status, `HTTP status for "${label}"`)
      if ('reason' in expected) {
        refused++
        checkEqual(event.length, 1, `inbound.rejected events for "${label}"`)
        checkEqual(event[0]!.reason, expected.reason, `inbound.rejected reason for "${label}"`)
        if (answer.status === 401) bodies401.add(answer.body)
      } else {
        checkEqual(event.length, 0, `inbound.rejected events for "${label}"`)
        const body = JSON.parse(answer.body) as { received?: boolean; duplicate?: boolean }
        check(body.received === true, `"${label}" must be answered {"received":true}`)
        checkEqual(body.duplicate === true, expected.outcome === 'duplicate', `duplicate flag for "${label}"`)
        if (expected.outcome === 'accepted') accepted.push(request.headers['webhook-id']!)
      }
      return answer
    }

    // A legitimate webhook from the platform, captured by an eavesdropper on its way.
    const valid = signed(payout(50_000))
    const capturedAt = Number(valid.headers['webhook-timestamp'])
    await attempt('#1 valid request from the platform', valid, { status: 200, outcome: 'accepted' })
    await attempt("forged with the attacker's secret", signed(payout(50_000), { secret: attackerSecret }), {
      status: 401,
      reason: 'NO_MATCHING_SIGNATURE',
    })
    await attempt('#1 tampered (amount x100)', { body: valid.body.replace('"amount":50000', '"amount":5000000'), headers: valid.headers }, {
      status: 401,
      reason: 'NO_MATCHING_SIGNATURE',
    })
    await attempt('#1 signature on a new webhook-id', { body: valid.body, headers: { ...valid.headers, 'webhook-id': `msg_${randomUUID()}` } }, {
      status: 401,
      reason: 'NO_MATCHING_SIGNATURE',
    })
    await attempt('stale timestamp (signed -10 min)', signed(payout(50_000), { at: nowS() - 600 }), { status: 401, reason: 'TIMESTAMP_TOO_OLD' })
    await attempt('future timestamp (signed +10 min)', signed(payout(50_000), { at: nowS() + 600 }), { status: 401, reason: 'TIMESTAMP_TOO_NEW' })
    await attempt('no webhook-signature header', without(signed(payout(50_000)), 'webhook-signature'), { status: 400, reason: 'MISSING_HEADER' })
    await attempt('no webhook-* headers at all', without(signed(payout(50_000)), 'webhook-id', 'webhook-timestamp', 'webhook-signature'), {
      status: 400,
      reason: 'MISSING_HEADER',
    })
    await attempt('#1 replayed inside the tolerance', valid, { status: 200, outcome: 'duplicate' })

    // Outside the tolerance: wait until the captured timestamp is more than TOLERANCE_S old.
    const waitMs = (capturedAt + TOLERANCE_S + 1) * 1000 - Date.now() + 20
    if (waitMs > 0) {
      view.event('attacker', c.dim(`(waiting ${(waitMs / 1000).toFixed(1)} s for the captured request to age past the ${TOLERANCE_S} s tolerance)`))
      await sleep(waitMs)
    }
    await attempt('#1 replayed outside the tolerance', valid, { status: 401, reason: 'TIMESTAMP_TOO_OLD' })
    await attempt('another valid request', signed(payout(12_500)), { status: 200, outcome: 'accepted' })

    await waitFor('the handler to run for both valid requests', () => handled.length >= 2)
    await sleep(200)
    const stored = (await app.relay.inbound.list({ source: 'platform' })).data

    view.line()
    view.table(
      ['#', 'request', 'HTTP', 'answer (all the attacker learns)', 'inbound.rejected reason (app only)'],
      rows,
      ['right', 'left', 'right', 'left', 'left'],
      [4, 36, 6, 34, 26],
    )

    checkEqual(bodies401.size, 1, 'distinct bodies among the 401 answers (a forger must not learn which check failed)')
    checkEqual(rejected.length, refused, 'inbound.rejected events')
    checkEqual(stored.length, 2, 'webhooks stored (only the two valid requests)')
    check(
      stored.every((m) => accepted.includes(m.webhookId)),
      `only the valid requests may be stored; stored ${stored.map((m) => m.webhookId).join(', ')}`,
    )
    checkEqual(handled.length, 2, 'handler runs')
    checkEqual(events.duplicate, 1, 'inbound.duplicate events (the replay inside the tolerance)')
    view.pass(`${refused} attacks refused with 4xx; every 401 had the same body ${[...bodies401][0]}; reasons only in inbound.rejected`)
    view.pass('2 valid requests accepted and handled once each; the replay inside the tolerance ran nothing; nothing refused was stored')
    return `${refused} refused (4xx, one identical 401 body), 2 valid accepted, in-tolerance replay = duplicate, 2 stored`
  },
}

const nowS = () => Math.floor(Date.now() / 1000)

/** A long JSON answer as its error code: `{"error":"missing_header",…}`. */
function shorten(body: string): string {
  if (body.length <= 32) return body
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>
    if (typeof parsed.error === 'string') return `{"error":"${parsed.error}",…}`
  } catch {
    // not JSON: cut it
  }
  return `${body.slice(0, 31)}…`
}
