import { describe, expect, it } from 'vitest'
import { newId } from '../../src/core/ids.js'

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
})
