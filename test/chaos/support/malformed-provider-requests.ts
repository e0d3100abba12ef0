import { createHmac, randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { GITHUB_SECRET, STRIPE_SECRET } from '../../inbound/support/webhooks.js'
import type { FuzzCase } from './malformed-requests.js'

/**
 * Malformed requests in Stripe's and GitHub's schemes (signed here with plain HMAC, as those
 * providers document it), and a few well-formed ones as a control group.
 */
type Scheme = 'stripe' | 'github'

const hmacHex = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex')

function signStripe(body: string, options: { at?: Date; secret?: string } = {}): Record<string, string> {
  const t = Math.floor((options.at ?? new Date()).getTime() / 1000)
  return { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${hmacHex(options.secret ?? STRIPE_SECRET, `${t}.${body}`)}` }
}

function signGithub(body: string, options: { secret?: string } = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-delivery': randomUUID(),
    'x-github-event': 'issues',
    'x-hub-signature-256': `sha256=${hmacHex(options.secret ?? GITHUB_SECRET, body)}`,
  }
}

const SIGNATURE_HEADER: Record<Scheme, string> = { stripe: 'stripe-signature', github: 'x-hub-signature-256' }
const sign = (scheme: Scheme, body: string, options: { at?: Date; secret?: string } = {}) =>
  scheme === 'stripe' ? signStripe(body, options) : signGithub(body, options)

const payload = (scheme: Scheme) =>
  fc
    .record({ n: fc.integer(), note: fc.string({ maxLength: 12 }) })
    .map(({ n, note }) =>
      JSON.stringify(
        scheme === 'stripe'
          ? { id: `evt_${randomUUID().replaceAll('-', '')}`, object: 'event', type: 'invoice.paid', data: { object: { n, note } } }
          : { action: 'opened', issue: { number: n, title: note } },
      ),
    )

const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 64 })

const make = (scheme: Scheme, kind: string, statuses: readonly number[], body: string, headers: Record<string, string>): FuzzCase => ({
  receiver: scheme,
  kind: `${scheme}:${kind}`,
  method: 'POST',
  headers,
  body,
  valid: false,
  statuses,
})

function casesFor(scheme: Scheme): fc.Arbitrary<FuzzCase> {
  const header = SIGNATURE_HEADER[scheme]
  const forged = (sig: string) => (scheme === 'stripe' ? `t=${Math.floor(Date.now() / 1000)},v1=${sig}` : `sha256=${sig}`)
  const variants: fc.WeightedArbitrary<FuzzCase>[] = [
    {
      weight: 1,
      arbitrary: payload(scheme).map((body): FuzzCase => ({ ...make(scheme, 'valid', [200], body, sign(scheme, body)), kind: `${scheme}:valid`, valid: true })),
    },
    { weight: 3, arbitrary: fc.tuple(payload(scheme), hex).map(([body, sig]) => make(scheme, 'random-signature', [400, 401], body, { ...sign(scheme, body), [header]: forged(sig) })) },
    {
      weight: 3,
      arbitrary: fc.tuple(payload(scheme), fc.nat()).map(([body, n]) => {
        const headers = sign(scheme, body)
        const sig = headers[header]!
        const i = sig.length - 1 - (n % 64)
        const flipped = sig.slice(0, i) + (sig[i] === '0' ? '1' : '0') + sig.slice(i + 1)
        return make(scheme, 'flipped-signature', [401], body, { ...headers, [header]: flipped })
      }),
    },
    { weight: 2, arbitrary: payload(scheme).map((body) => make(scheme, 'other-secret', [401], body, sign(scheme, body, { secret: 'not-the-secret' }))) },
    { weight: 2, arbitrary: payload(scheme).map((body) => make(scheme, 'body-changed', [401], body.replace(/}$/, ',"x":1}'), sign(scheme, body))) },
    {
      weight: 3,
      arbitrary: fc.tuple(payload(scheme), fc.nat()).map(([body, n]) => {
        const cut = body.slice(0, 1 + (n % (body.length - 1)))
        return make(scheme, 'truncated-json', [400], cut, sign(scheme, cut))
      }),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(payload(scheme), fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'text/xml')).map(([body, type]) =>
        make(scheme, 'wrong-content-type', [415], body, { ...sign(scheme, body), 'content-type': type }),
      ),
    },
    {
      weight: 2,
      arbitrary: payload(scheme).map((body) => {
        const headers = sign(scheme, body)
        delete headers[header]
        return make(scheme, 'missing-signature', [400], body, headers)
      }),
    },
  ]
  if (scheme === 'stripe') {
    variants.push({
      weight: 3,
      arbitrary: fc.tuple(payload(scheme), fc.integer({ min: 301, max: 10 * 365 * 86_400 }), fc.boolean()).map(([body, skew, future]) =>
        make(scheme, future ? 'future-timestamp' : 'stale-timestamp', [401], body, signStripe(body, { at: new Date(Date.now() + (future ? 1 : -1) * skew * 1000) })),
      ),
    })
    variants.push({
      weight: 1,
      arbitrary: fc.constantFrom('{}', '{"id":"evt_1"}', '{"type":"invoice.paid"}', '[]', 'null').map((body) => make(scheme, 'not-an-event', [400], body, signStripe(body))),
    })
  } else {
    variants.push({
      weight: 2,
      arbitrary: fc.tuple(payload(scheme), fc.constantFrom('x-github-delivery', 'x-github-event')).map(([body, name]) => {
        const headers = signGithub(body)
        delete headers[name]
        return make(scheme, `missing-${name}`, [400], body, headers)
      }),
    })
  }
  return fc.oneof(...variants)
}

export const providerFuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof(casesFor('stripe'), casesFor('github'))
