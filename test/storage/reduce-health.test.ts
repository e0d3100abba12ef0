import { describe, expect, it } from 'vitest'
import { reduceHealth } from '../../src/storage/kysely/endpoints/reduce-health.js'
import type { EndpointHealthUpdate } from '../../src/storage/storage.js'

const ok = (endpointId: string): EndpointHealthUpdate => ({ endpointId, kind: 'success' })
const fail = (endpointId: string, at: number): EndpointHealthUpdate => ({ endpointId, kind: 'failure', at: new Date(at) })

describe('reduceHealth', () => {
  it('leaves what the updates applied one by one would leave, per endpoint', () => {
    const reduced = reduceHealth([
      fail('a', 1), ok('a'), fail('a', 3), fail('a', 4), // a: a success, then a new streak from 3
      fail('b', 5), fail('b', 6), // b: failures only, the first one counts if the endpoint had none
      fail('c', 7), ok('c'), ok('c'), // c: ended in success
      { endpointId: 'd', kind: 'disable', reason: 'too many failures', at: new Date(8) },
      { endpointId: 'd', kind: 'disable', reason: 'later', at: new Date(9) },
    ])
    expect(reduced).toEqual({
      clear: ['c'],
      start: [{ endpointId: 'b', at: 5 }],
      restart: [{ endpointId: 'a', at: 3 }],
      disable: [{ endpointId: 'd', reason: 'too many failures', at: 8 }],
    })
  })

  it('makes one update per endpoint out of a batch alternating answers', () => {
    const batch = Array.from({ length: 60 }, (_, i) => (i % 5 === 4 ? fail('a', i) : ok('a')))
    expect(reduceHealth(batch)).toEqual({ clear: [], start: [], restart: [{ endpointId: 'a', at: 59 }], disable: [] })
    expect(reduceHealth(batch.slice(0, 59))).toEqual({ clear: ['a'], start: [], restart: [], disable: [] })
  })
})
