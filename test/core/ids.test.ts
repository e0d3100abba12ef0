import { describe, expect, it } from 'vitest'
import { deliveryIdOf, MAX_DELIVERIES_PER_MESSAGE, messageIdOf, newId, newMessageId } from '../../src/core/ids.js'

describe('ids', () => {
  it('are prefixed and 26 characters of Crockford base32', () => {
    expect(newId('msg')).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/)
  })

  it('sort in creation order, even many within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => newId('dlv', 1_700_000_000_000))
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(1000)
  })

  it('sort by time across milliseconds', () => {
    expect(newId('msg', 1_700_000_000_001) < newId('msg', 1_700_000_000_002)).toBe(true)
  })

  it('name a message\'s deliveries after it, between the ids issued before and after, in one millisecond', () => {
    const at = 1_700_000_000_500
    const sequence: string[] = []
    for (let i = 0; i < 50; i++) {
      sequence.push(newId('dlv', at).slice(4))
      const message = newMessageId(at)
      expect(message).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{23}000$/)
      for (const n of [1, 2, 31, 32, 1023, 1024, MAX_DELIVERIES_PER_MESSAGE]) {
        const id = deliveryIdOf(message, n)
        expect(id).toMatch(/^dlv_[0-9A-HJKMNP-TV-Z]{26}$/)
        expect(messageIdOf(id)).toBe(message)
        sequence.push(id.slice(4))
      }
    }
    sequence.push(newId('dlv', at).slice(4))
    expect([...sequence].sort()).toEqual(sequence)
    expect(new Set(sequence).size).toBe(sequence.length)
    expect(() => deliveryIdOf(newMessageId(), MAX_DELIVERIES_PER_MESSAGE + 1)).toThrow(/at most 32767/)
  })

  it('draw new random digits for each new millisecond, never the same twice, past one draw of random bytes', () => {
    // 1000 milliseconds take 16 kB of randomness: several refills of the pool the digits come from.
    const randomParts = Array.from({ length: 1000 }, (_, i) => newId('in', 1_900_000_000_000 + i).slice(-16))
    expect(new Set(randomParts).size).toBe(1000)
    expect(new Set(randomParts.join('')).size).toBe(32)
  })
})
