import { describe, expect, it } from 'vitest'
import { check } from '../../src/inbound/check-chain.js'
import { checkHeaders, checkJson, checkMediaType, checkShape, checkSize, type ReceiverRequest } from '../../src/inbound/receiver-checks.js'
import { checkIdentity, checkSignature } from '../../src/inbound/receiver-verification.js'
import { normalizeHeaders } from '../../src/inbound/request-headers.js'
import { standardRequest, STANDARD_SECRET } from './support/webhooks.js'

// Each check is a pure function: a refusal, or its input passed on with what it learned.
const raw = (headers: Record<string, string>, body: string | Uint8Array = '{}') => ({ body, headers: normalizeHeaders(headers) })
const standard = { scheme: 'standard', webhookId: undefined, eventType: undefined } as const

describe('the receiver checks', () => {
  it('checkShape: a request object, POST, a raw body', () => {
    expect(checkShape(null as unknown as ReceiverRequest).refusal?.reason).toBe('INVALID_REQUEST')
    expect(checkShape({ body: '{}', headers: {}, method: 'GET' }).refusal).toMatchObject({ status: 405, headers: { allow: 'POST' } })
    expect(checkShape({ body: '{}', headers: {}, rawBodyProblem: 'use express.raw()' }).refusal).toMatchObject({ status: 500, reason: 'BODY_NOT_RAW' })
    expect(checkShape({ body: { parsed: true } as unknown as string, headers: {} }).refusal?.reason).toBe('BODY_NOT_RAW')
    expect(checkShape({ body: '{}', headers: { 'Content-Type': 'application/json' }, method: 'post' })).toEqual(raw({ 'content-type': 'application/json' }))
  })

  it('normalizeHeaders: lower-case names; a header sent several times, in any case, keeps every value in order', () => {
    expect({ ...normalizeHeaders({ 'Content-Type': 'application/json', 'webhook-id': 'msg_1', 'x-empty': '' }) }).toEqual({
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
      'x-empty': '',
    })
    const repeated = normalizeHeaders({ 'X-Tag': 'a', 'x-tag': 'b', 'X-TAG': ['c', 'd'], 'set-cookie': ['s=1'], 'x-none': [], 'x-undefined': undefined })
    expect({ ...repeated }).toEqual({ 'x-tag': ['a', 'b', 'c', 'd'], 'set-cookie': 's=1' })
    const fetchHeaders = new Headers([['Webhook-Id', 'msg_2'], ['X-Tag', 'a']])
    fetchHeaders.append('x-tag', 'b')
    expect({ ...normalizeHeaders(fetchHeaders) }).toEqual({ 'webhook-id': 'msg_2', 'x-tag': 'a, b' })
  })

  it('checkSize: the body and the length it declares', () => {
    expect(checkSize(raw({}, 'x'.repeat(11)), 10).refusal?.status).toBe(413)
    expect(checkSize(raw({ 'content-length': '11' }, 'x'), 10).refusal?.reason).toBe('PAYLOAD_TOO_LARGE')
    expect(checkSize(raw({}, new Uint8Array(10)), 10).refusal).toBeUndefined()
    // Bytes, not characters.
    expect(checkSize(raw({}, 'é'.repeat(6)), 10).refusal?.status).toBe(413)
  })

  it('checkMediaType: JSON or +json, when a type is given', () => {
    expect(checkMediaType(raw({ 'content-type': 'text/plain' })).refusal?.status).toBe(415)
    for (const type of ['application/json; charset=utf-8', 'application/cloudevents+json', 'APPLICATION/JSON']) {
      expect(checkMediaType(raw({ 'content-type': type })).refusal).toBeUndefined()
    }
    expect(checkMediaType(raw({})).refusal).toBeUndefined()
  })

  it("checkHeaders: the scheme's id and type headers, unless functions give them", () => {
    expect(checkHeaders(raw({}), { ...standard, scheme: 'github' }).refusal?.body.message).toBe('Missing x-github-delivery and x-github-event headers.')
    expect(checkHeaders(raw({}), { scheme: 'github', webhookId: () => 'x', eventType: () => 'y' }).refusal).toBeUndefined()
    expect(checkHeaders(raw({}), standard).refusal).toBeUndefined() // id and type come from the signed message
  })

  it('checkSignature: verified passes the id on; a bad signature is refused by its code', () => {
    const signed = standardRequest({ id: 'msg_1' })
    const options = { scheme: 'standard', secrets: [STANDARD_SECRET], tolerance: 300_000, headerName: undefined } as const
    expect(checkSignature(raw(signed.headers, signed.body), options)).toMatchObject({ verifiedId: 'msg_1' })
    const tampered = checkSignature(raw(signed.headers, signed.body + ' '), options)
    expect(tampered.refusal).toMatchObject({ status: 401, body: { error: 'invalid_signature' } })
  })

  it('checkJson: UTF-8 JSON, kept as the exact text', () => {
    expect(checkJson({ body: '{"a": 1}' })).toMatchObject({ text: '{"a": 1}', payload: { a: 1 } })
    expect(checkJson({ body: 'not json' }).refusal?.reason).toBe('INVALID_JSON')
    expect(checkJson({ body: new Uint8Array([0x7b, 0xff, 0x7d]) }).refusal?.body.message).toContain('not UTF-8')
  })

  it('checkIdentity: a usable webhook id, then a usable type (refused with the id it found)', () => {
    const request = { headers: normalizeHeaders({ 'webhook-id': 'msg_1' }), verifiedId: 'msg_1' }
    expect(checkIdentity({ ...request, payload: { type: 'a.b' } }, standard)).toMatchObject({ webhookId: 'msg_1', type: 'a.b' })
    expect(checkIdentity({ ...request, payload: {} }, standard).refusal).toMatchObject({ reason: 'MISSING_EVENT_TYPE', webhookId: 'msg_1' })
    expect(checkIdentity({ ...request, payload: { type: 'a' } }, { ...standard, webhookId: () => 'x'.repeat(256) }).refusal?.reason).toBe('MISSING_WEBHOOK_ID')
  })

  it('the chain stops at the first refusal: later steps do not run', () => {
    const ran: string[] = []
    const { refusal, value } = check(1)
      .then((n) => (ran.push('first'), { n: n + 1 }))
      .then(() => (ran.push('second'), { refusal: { status: 400, reason: 'NO', body: {} } }))
      .then(() => (ran.push('third'), { n: 0 })).verdict
    expect(ran).toEqual(['first', 'second'])
    expect(refusal?.reason).toBe('NO')
    expect(value).toBeUndefined()
  })
})
