import { describe, expect, it } from 'vitest'
import { toMilliseconds } from '../../src/core/duration.js'
import { ValidationError } from '../../src/core/errors.js'

describe('durations', () => {
  it('reads numbers as milliseconds and strings with units', () => {
    expect(toMilliseconds(250)).toBe(250)
    expect(toMilliseconds('500ms')).toBe(500)
    expect(toMilliseconds('5s')).toBe(5_000)
    expect(toMilliseconds('30m')).toBe(1_800_000)
    expect(toMilliseconds('2h')).toBe(7_200_000)
    expect(toMilliseconds('1.5d')).toBe(129_600_000)
  })
  it('refuses what it cannot read, naming the option', () => {
    expect(() => toMilliseconds('5 minutes', 'retry.schedule[0]')).toThrow(ValidationError)
    expect(() => toMilliseconds('5 minutes', 'retry.schedule[0]')).toThrow(/retry\.schedule\[0\]/)
    expect(() => toMilliseconds(-1)).toThrow(ValidationError)
  })
})
