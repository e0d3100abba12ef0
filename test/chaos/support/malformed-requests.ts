import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { Webhook } from 'standardwebhooks'
import { STANDARD_SECRET } from '../../inbound/support/webhooks.js'

/** One request of the fuzz: what to send, and the answers that are right for it. */
export interface FuzzCase {
  /** The receiver (and scheme) it is posted to. */
  receiver: 'standard' | 'stripe' | 'github'
  kind: string
  method: string
  headers: Record<string, string>
  body: string | Buffer
  /** A well-formed, correctly signed webhook (the control group): must be accepted. */
  valid: boolean
  /** Acceptable statuses. */
  statuses: readonly number[]
}

const OTHER_SECRET = 'whsec_' + Buffer.from('not-the-receivers-secret-at-all!').toString('base64')
const MAX_BODY = 1_048_576

function signed(body: string | Buffer, options: { at?: Date; id?: string; secret?: string } = {}) {
  const id = options.id ?? `msg_${randomUUID()}`
  const at = options.at ?? new Date()
  const signature = new Webhook(options.secret ?? STANDARD_SECRET).sign(id, at, body.toString())
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  }
}

const payload = fc
  .record({ type: fc.constantFrom('order.created', 'invoice.paid', 'user.deleted'), data: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) })
  .map((p) => JSON.stringify(p))

const ascii = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=,. '), minLength: min, maxLength: max })

const make = (kind: string, statuses: readonly number[], body: string | Buffer, headers: Record<string, string>, method = 'POST'): FuzzCase => ({
  receiver: 'standard',
  kind,
  method,
  headers,
  body,
  valid: false,
  statuses,
})

/** Well-formed webhooks (about one in twenty) and every kind of malformed one. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 1, arbitrary: payload.map((body): FuzzCase => ({ receiver: 'standard', kind: 'valid', method: 'POST', headers: signed(body), body, valid: true, statuses: [200] })) },
  // Signatures that do not match: random, one character changed, another secret, a body changed after signing.
  { weight: 3, arbitrary: fc.tuple(payload, ascii(1, 90)).map(([body, sig]) => make('random-signature', [400, 401], body, { ...signed(body), 'webhook-signature': `v1,${sig}` })) },
  {
    weight: 3,
    arbitrary: fc.tuple(payload, fc.nat(), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ')).map(([body, at, ch]) => {
      const headers = signed(body)
      const sig = headers['webhook-signature']
      const i = 3 + (at % (sig.length - 3))
      const flipped = sig.slice(0, i) + (sig[i] === ch ? 'a' : ch) + sig.slice(i + 1)
      return make('flipped-signature', [401], body, { ...headers, 'webhook-signature': flipped })
    }),
  },
  { weight: 2, arbitrary: payload.map((body) => make('other-secret', [401], body, signed(body, { secret: OTHER_SECRET }))) },
  { weight: 2, arbitrary: fc.tuple(payload, fc.string({ minLength: 1, maxLength: 20 })).map(([body, extra]) => make('body-changed', [401], body.slice(0, -1) + `,"x":${JSON.stringify(extra)}}`, signed(body))) },
  // Timestamps: correctly signed but stale or in the future, or not a timestamp at all.
  {
    weight: 3,
    arbitrary: fc.tuple(payload, fc.integer({ min: 301, max: 10 * 365 * 86_400 }), fc.boolean()).map(([body, skew, future]) =>
      make(future ? 'future-timestamp' : 'stale-timestamp', [401], body, signed(body, { at: new Date(Date.now() + (future ? 1 : -1) * skew * 1000) })),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(payload, fc.constantFrom('abc', '-1', '1e10', '0x10', '9'.repeat(30), ' ', '1.5', 'NaN')).map(([body, ts]) =>
      make('garbage-timestamp', [400, 401], body, { ...signed(body), 'webhook-timestamp': ts }),
    ),
  },
  // Truncated JSON, correctly signed: the signature holds, the body is still refused.
  {
    weight: 3,
    arbitrary: fc.tuple(payload, fc.nat()).map(([body, at]) => {
      const cut = body.slice(0, 1 + (at % (body.length - 1)))
      return make('truncated-json', [400], cut, signed(cut))
    }),
  },
  { weight: 1, arbitrary: fc.tuple(payload, fc.nat()).map(([body, at]) => make('truncated-unsigned', [401], body.slice(0, 1 + (at % (body.length - 1))), signed(body))) },
  // Signed JSON that is not a webhook: no event type, or an id too long to deduplicate by.
  { weight: 2, arbitrary: fc.constantFrom('[]', 'null', '42', '"text"', '{}', '{"type":""}', '{"type":5}', '{"data":{}}').map((body) => make('not-a-webhook', [400], body, signed(body))) },
  { weight: 1, arbitrary: payload.map((body) => make('id-too-long', [400], body, signed(body, { id: `msg_${'x'.repeat(300)}` }))) },
  // Wrong content types, correctly signed.
  {
    weight: 2,
    arbitrary: fc
      .tuple(payload, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/html', 'application/octet-stream', 'json'))
      .map(([body, type]) => make('wrong-content-type', [415], body, { ...signed(body), 'content-type': type })),
  },
  // Missing headers.
  {
    weight: 2,
    arbitrary: fc.tuple(payload, fc.constantFrom('webhook-id', 'webhook-timestamp', 'webhook-signature')).map(([body, name]) => {
      const headers: Record<string, string> = signed(body)
      delete headers[name]
      return make(`missing-${name}`, [400], body, headers)
    }),
  },
  // Huge headers (kept under Node's 16 KiB header limit so the receiver, not the parser, answers).
  {
    weight: 2,
    arbitrary: fc.tuple(payload, fc.integer({ min: 1, max: 10 })).map(([body, n]) => {
      const headers: Record<string, string> = { ...signed(body), 'webhook-signature': Array.from({ length: n * 10 }, (_, i) => `v1,${String(i).padStart(86, 'A')}=`).join(' ') }
      for (let i = 0; i < n; i++) headers[`x-pad-${i}`] = 'p'.repeat(400)
      return make('huge-headers', [401], body, headers)
    }),
  },
  // Other methods, and bodies over the limit.
  { weight: 1, arbitrary: fc.tuple(payload, fc.constantFrom('PUT', 'PATCH', 'DELETE')).map(([body, method]) => make('wrong-method', [405], body, signed(body), method)) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 4096 }).map((extra) => {
      const body = `{"type":"order.created","data":"${'x'.repeat(MAX_BODY + extra)}"}`
      return make('too-large', [413], body, signed(body))
    }),
  },
)
