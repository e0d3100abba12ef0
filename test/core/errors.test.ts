import { describe, expect, it, vi } from 'vitest'
import * as errors from '../../src/core/errors.js'
import { ERROR_CODES, HookrelayError, NotFoundError, ValidationError, isErrorCode, statusOfCode } from '../../src/core/errors.js'
import { WebhookVerificationError } from '../../src/signing/webhook-verification-error.js'

describe('the error catalogue', () => {
  it('gives every code an HTTP status and an action a person can take', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z_]+$/)
      expect(info.status).toBeGreaterThanOrEqual(400)
      expect(info.status).toBeLessThan(600)
      expect(info.action.length).toBeGreaterThan(10)
    }
    expect(statusOfCode('NOT_FOUND')).toBe(404)
    expect(isErrorCode('NOT_MIGRATED')).toBe(true)
    expect(isErrorCode('not_a_code')).toBe(false)
    expect(isErrorCode('toString')).toBe(false)
  })
})

describe('instanceof across two copies of the package', () => {
  it('recognises an error thrown by another loaded copy, by class and by ancestor', async () => {
    vi.resetModules()
    const other: typeof errors = await import('../../src/core/errors.js')
    expect(other.NotFoundError).not.toBe(NotFoundError)

    const foreign = new other.NotFoundError('endpoint', 'ep_1')
    expect(foreign).toBeInstanceOf(NotFoundError)
    expect(foreign).toBeInstanceOf(HookrelayError)
    expect(foreign).toBeInstanceOf(Error)
    expect(foreign).not.toBeInstanceOf(ValidationError)
    expect(new NotFoundError('endpoint', 'ep_1')).toBeInstanceOf(other.HookrelayError)
  })

  it('keeps a subclass apart from its siblings and from look-alikes', () => {
    const verification = new WebhookVerificationError('NO_MATCHING_SIGNATURE', 'no match')
    expect(verification).toBeInstanceOf(HookrelayError)
    expect(verification).not.toBeInstanceOf(NotFoundError)
    expect({ code: 'NOT_FOUND', message: 'x' }).not.toBeInstanceOf(HookrelayError)
    expect(null).not.toBeInstanceOf(HookrelayError)
  })

  it('hides the brand from JSON and from enumeration', () => {
    const error = new ValidationError('bad', [{ path: ['url'], message: 'required' }])
    expect(Object.keys(error)).not.toContain(expect.stringContaining('brand'))
    expect(JSON.stringify({ ...error })).not.toContain('NotFoundError')
    expect(error.name).toBe('ValidationError')
    expect(error.code).toBe('VALIDATION_ERROR')
  })
})

describe('docs/errors.md', () => {
  it('lists every code of the catalogue with its status', async () => {
    const { readFile } = await import('node:fs/promises')
    const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8')
    for (const [code, info] of Object.entries(ERROR_CODES)) expect(doc).toContain(`| \`${code}\` | ${info.status} |`)
  })
})
