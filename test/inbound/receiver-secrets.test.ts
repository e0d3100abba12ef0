import { describe, expect, it } from 'vitest'
import { resolveReceiverOptions } from '../../src/inbound/receiver-options.js'
import { generateKeyPair, generateSecret } from '../../src/signing/index.js'

function problems(options: Parameters<typeof resolveReceiverOptions>[0]): string {
  try {
    resolveReceiverOptions(options)
    return ''
  } catch (error) {
    return (error as Error).message
  }
}

describe('relay.receiver() checks its secrets where they are configured', () => {
  it('refuses a standard secret that is not whsec_/whpk_ base64, naming the option', () => {
    const message = problems({ name: 'shop', secret: 'my-password' })
    expect(message).toMatch(/secret: is not a usable standard secret/)
    expect(message).not.toContain('my-password') // secrets never appear in errors
  })

  it('points at the bad one among several', () => {
    expect(problems({ name: 'shop', secrets: [generateSecret(), 'whsec_!!!'] })).toMatch(/secrets\.1: is not a usable standard secret/)
  })

  it('refuses an ed25519 key for the HMAC-only stripe and github schemes', () => {
    const { secretKey } = generateKeyPair()
    expect(problems({ name: 'stripe', scheme: 'stripe', secret: secretKey })).toMatch(/secret: is not a usable stripe secret.*ed25519/)
    expect(problems({ name: 'gh', scheme: 'github', secret: secretKey })).toMatch(/secret: is not a usable github secret/)
  })

  it('accepts what the schemes use', () => {
    const { publicKey } = generateKeyPair()
    expect(problems({ name: 'a', secret: generateSecret() })).toBe('')
    expect(problems({ name: 'b', secret: publicKey })).toBe('')
    expect(problems({ name: 'c', scheme: 'stripe', secret: 'whsec_stripe_anything' })).toBe('')
    expect(problems({ name: 'd', scheme: 'github', secret: 'any shared secret' })).toBe('')
  })
})
