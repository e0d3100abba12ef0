import { afterEach, describe, expect, it } from 'vitest'
import type { CircuitBreakerSettings } from '../../src/core/types.js'
import { EndpointBreaker } from '../../src/outbound/endpoint-breaker.js'

const settings: Required<CircuitBreakerSettings> = {
  enabled: true,
  errorThresholdPercentage: 50,
  volumeThreshold: 4,
  windowMs: 10_000,
  resetTimeoutMs: 30_000,
}

describe('EndpointBreaker', () => {
  let breaker: EndpointBreaker | undefined
  afterEach(() => breaker?.shutdown())

  function make(now: () => number) {
    const changes: string[] = []
    breaker = new EndpointBreaker(
      settings,
      {
        opened: (at) => changes.push(`opened until ${at}`),
        halfOpened: () => changes.push('half_open'),
        closed: () => changes.push('closed'),
      },
      now,
    )
    return { breaker, changes }
  }

  it('opens once volumeThreshold attempts came back and more than the threshold failed', () => {
    let now = 1_000
    const { breaker, changes } = make(() => now)
    breaker.failure()
    breaker.success()
    breaker.failure()
    expect(breaker.state).toBe('closed') // 3 came back: below the volume
    breaker.success()
    expect(breaker.state).toBe('closed') // 2 of 4 failed: 50%, not more
    now += 1
    breaker.failure()
    expect(breaker.state).toBe('open') // 3 of 5
    expect(changes).toEqual([`opened until ${now + settings.resetTimeoutMs}`])
    expect(breaker.tryPass()).toBe(false)
  })

  it('forgets outcomes older than the window', () => {
    let now = 0
    const { breaker } = make(() => now)
    for (let i = 0; i < 3; i++) breaker.failure()
    now += settings.windowMs + 1
    for (let i = 0; i < 3; i++) breaker.success()
    breaker.failure()
    // Counting the old failures it would be 4 of 7; within the window it is 1 of 4.
    expect(breaker.state).toBe('closed')
  })

  it('lets one probe through half-open, closes on its success with a fresh window, reopens on its failure', () => {
    let now = 0
    const { breaker, changes } = make(() => now)
    breaker.open()
    breaker.halfOpen()
    expect(breaker.tryPass()).toBe(true)
    expect(breaker.tryPass()).toBe(false)
    breaker.failure()
    expect(breaker.state).toBe('open')
    breaker.halfOpen()
    expect(breaker.tryPass()).toBe(true)
    breaker.success()
    expect(breaker.state).toBe('closed')
    expect(changes).toEqual([`opened until ${settings.resetTimeoutMs}`, 'half_open', `opened until ${settings.resetTimeoutMs}`, 'half_open', 'closed'])
    // The failures before the close no longer count.
    for (let i = 0; i < 3; i++) breaker.failure()
    expect(breaker.state).toBe('closed')
  })

  it('takes on a circuit another process left open, silently', () => {
    let now = 5_000
    const { breaker, changes } = make(() => now)
    breaker.restoreOpen(now + 1_000)
    expect([breaker.state, breaker.halfOpenAt]).toEqual(['open', 6_000])
    breaker.shutdown()
    const late = make(() => now).breaker
    now = 7_000
    late.restoreOpen(6_000)
    expect(late.state).toBe('half_open')
    late.shutdown()
    expect(changes).toEqual([])
  })
})
