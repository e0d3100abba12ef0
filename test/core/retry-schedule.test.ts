import { describe, expect, it } from 'vitest'
import { retryScheduleFor } from '../../src/core/retry-schedule.js'

describe('retryScheduleFor', () => {
  const relay = [1]
  const relayByType = { 'invoice.paid': [2], 'invoice.*': [3], '*': [9] }

  it('uses the most specific setting: endpoint by type, endpoint, relay by type, relay', () => {
    expect(retryScheduleFor('invoice.paid', { relay })).toEqual([1])
    expect(retryScheduleFor('invoice.paid', { relay, relayByType })).toEqual([2])
    expect(retryScheduleFor('invoice.paid', { relay, relayByType, endpoint: [4] })).toEqual([4])
    expect(retryScheduleFor('invoice.paid', { relay, relayByType, endpoint: [4], endpointByType: { 'invoice.*': [5] } })).toEqual([5])
    expect(retryScheduleFor('order.created', { relay, relayByType: {}, endpoint: null, endpointByType: { 'invoice.*': [5] } })).toEqual([1])
  })

  it('prefers an exact type to a wildcard, and a longer wildcard to a shorter one', () => {
    expect(retryScheduleFor('invoice.voided', { relay, relayByType })).toEqual([3])
    expect(retryScheduleFor('order.created', { relay, relayByType })).toEqual([9])
    expect(retryScheduleFor('invoice.line.added', { relay, relayByType: { 'invoice.*': [3], 'invoice.line.*': [7] } })).toEqual([7])
  })
})
