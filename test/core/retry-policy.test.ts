import { describe, expect, it } from 'vitest'
import { decideAfterAttempt, parseRetryAfter, type RetryPolicyOptions } from '../../src/core/retry-policy.js'

const policy: RetryPolicyOptions = {
  schedule: [5_000, 300_000, 1_800_000],
  jitter: 0,
  permanentStatuses: [],
  maxRetryAfterMs: 3_600_000,
}

describe('retry policy', () => {
  it('succeeds on any 2xx', () => {
    for (const status of [200, 201, 202, 204, 299]) {
      expect(decideAfterAttempt({ statusCode: status }, 1, policy, 0.5)).toEqual({ action: 'succeed' })
    }
  })

  it('treats a redirect as a failure and retries it (redirects are never followed)', () => {
    expect(decideAfterAttempt({ statusCode: 301 }, 1, policy, 0.5)).toEqual({ action: 'retry', delayMs: 5_000 })
  })

  it('retries 5xx, 4xx and no response on the schedule, attempt by attempt', () => {
    expect(decideAfterAttempt({ statusCode: 500 }, 1, policy, 0.5)).toEqual({ action: 'retry', delayMs: 5_000 })
    expect(decideAfterAttempt({ statusCode: 404 }, 2, policy, 0.5)).toEqual({ action: 'retry', delayMs: 300_000 })
    expect(decideAfterAttempt({ statusCode: null }, 3, policy, 0.5)).toEqual({ action: 'retry', delayMs: 1_800_000 })
  })

  it('dead-letters when the schedule is exhausted (attempts = schedule length + 1)', () => {
    expect(decideAfterAttempt({ statusCode: 500 }, 4, policy, 0.5)).toEqual({
      action: 'dead',
      reason: 'exhausted',
      disableEndpoint: false,
    })
  })

  it('dead-letters 410 Gone at once and disables the endpoint', () => {
    expect(decideAfterAttempt({ statusCode: 410 }, 1, policy, 0.5)).toEqual({
      action: 'dead',
      reason: 'gone',
      disableEndpoint: true,
    })
  })

  it('dead-letters configured permanent statuses without disabling the endpoint', () => {
    const strict = { ...policy, permanentStatuses: [400, 422] }
    expect(decideAfterAttempt({ statusCode: 422 }, 1, strict, 0.5)).toEqual({
      action: 'dead',
      reason: 'permanent_status',
      disableEndpoint: false,
    })
    expect(decideAfterAttempt({ statusCode: 500 }, 1, strict, 0.5).action).toBe('retry')
  })

  it('spreads delays by the jitter fraction in both directions', () => {
    const jittered = { ...policy, jitter: 0.2 }
    expect(decideAfterAttempt({ statusCode: 500 }, 1, jittered, 0)).toEqual({ action: 'retry', delayMs: 4_000 })
    expect(decideAfterAttempt({ statusCode: 500 }, 1, jittered, 0.999999)).toEqual({ action: 'retry', delayMs: 6_000 })
  })

  it('honours a longer Retry-After, never a shorter one, and caps it', () => {
    expect(decideAfterAttempt({ statusCode: 429, retryAfterMs: 60_000 }, 1, policy, 0.5)).toEqual({
      action: 'retry',
      delayMs: 60_000,
    })
    expect(decideAfterAttempt({ statusCode: 503, retryAfterMs: 1_000 }, 1, policy, 0.5)).toEqual({
      action: 'retry',
      delayMs: 5_000,
    })
    expect(decideAfterAttempt({ statusCode: 503, retryAfterMs: 86_400_000 }, 1, policy, 0.5)).toEqual({
      action: 'retry',
      delayMs: 3_600_000,
    })
  })
})

describe('Retry-After parsing', () => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  it('reads delta-seconds', () => expect(parseRetryAfter('120', now)).toBe(120_000))
  it('reads an HTTP date', () => expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000))
  it('ignores garbage and absence', () => {
    expect(parseRetryAfter('soon', now)).toBeNull()
    expect(parseRetryAfter(undefined, now)).toBeNull()
  })
})
