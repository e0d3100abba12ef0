import { describe, expect, it } from 'vitest'
import { EVENT_FILTER_PATTERN, EVENT_TYPE_PATTERN, matchesChannels, matchesEventType } from '../../src/core/event-type.js'

describe('event type filters', () => {
  it('matches everything with no filter or *', () => {
    expect(matchesEventType('order.created', [])).toBe(true)
    expect(matchesEventType('order.created', ['*'])).toBe(true)
  })
  it('matches exact types only exactly', () => {
    expect(matchesEventType('order.created', ['order.created'])).toBe(true)
    expect(matchesEventType('order.created.late', ['order.created'])).toBe(false)
  })
  it('matches prefix wildcards at a segment boundary, not the bare prefix', () => {
    expect(matchesEventType('order.created', ['order.*'])).toBe(true)
    expect(matchesEventType('order.item.added', ['order.*'])).toBe(true)
    expect(matchesEventType('order', ['order.*'])).toBe(false)
    expect(matchesEventType('orders.created', ['order.*'])).toBe(false)
  })
  it('validates type and filter syntax', () => {
    expect(EVENT_TYPE_PATTERN.test('invoice.payment_failed')).toBe(true)
    expect(EVENT_TYPE_PATTERN.test('order..created')).toBe(false)
    expect(EVENT_TYPE_PATTERN.test('order.*')).toBe(false)
    expect(EVENT_FILTER_PATTERN.test('order.*')).toBe(true)
    expect(EVENT_FILTER_PATTERN.test('*.created')).toBe(false)
  })
})

describe('channel routing', () => {
  it('sends everything to an endpoint without channels', () => {
    expect(matchesChannels([], ['eu'])).toBe(true)
    expect(matchesChannels([], [])).toBe(true)
  })
  it('sends to an endpoint with channels only messages sharing one', () => {
    expect(matchesChannels(['eu', 'us'], ['us'])).toBe(true)
    expect(matchesChannels(['eu'], ['us'])).toBe(false)
    expect(matchesChannels(['eu'], [])).toBe(false)
  })
})
