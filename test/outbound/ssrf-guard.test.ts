import { describe, expect, it } from 'vitest'
import { UnsafeUrlError, ValidationError } from '../../src/core/errors.js'
import { SsrfGuard } from '../../src/outbound/ssrf-guard.js'

const strict = new SsrfGuard({ allowPrivate: false, allowCidrs: [] })

describe('SSRF guard', () => {
  it('refuses loopback, private, link-local, CGNAT, metadata and mapped addresses', () => {
    for (const address of [
      '127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
      '::1', 'fe80::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1',
    ]) {
      expect(strict.isAllowed(address), address).toBe(false)
    }
  })

  it('refuses IPv6 forms that carry a non-public IPv4: compatible, translated, 6to4, NAT64', () => {
    for (const address of [
      '::7f00:1', '::127.0.0.1', '::a00:1', '::ffff:0:7f00:1', '::ffff:0:127.0.0.1', '::ffff:0:a9fe:a9fe',
      '2002:7f00:1::1', '2002:a00:1::1', '2002:a9fe:a9fe::', '2002:c0a8:101:0:0:0:0:1',
      '64:ff9b::7f00:1', '64:ff9b::10.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::1',
      '2001::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', 'fec0::1',
    ]) {
      expect(strict.isAllowed(address), address).toBe(false)
    }
    for (const url of ['http://[::7f00:1]/', 'http://[::ffff:0:7f00:1]/', 'http://[2002:7f00:1::1]/', 'http://[64:ff9b::a00:1]/']) {
      expect(() => strict.assertUrlAllowed(new URL(url)), url).toThrow(UnsafeUrlError)
    }
  })

  it('judges those IPv6 forms by their IPv4: public ones pass, allowlisted ones too', () => {
    for (const address of ['64:ff9b::5db8:d822', '64:ff9b::1.1.1.1', '2002:5db8:d822::1', '::ffff:0:101:101']) {
      expect(strict.isAllowed(address), address).toBe(true)
    }
    const guard = new SsrfGuard({ allowPrivate: false, allowCidrs: ['10.20.0.0/16'] })
    expect(guard.isAllowed('64:ff9b::10.20.0.5')).toBe(true)
    expect(guard.isAllowed('64:ff9b::10.21.0.5')).toBe(false)
  })

  it('allows public addresses', () => {
    for (const address of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111']) {
      expect(strict.isAllowed(address), address).toBe(true)
    }
  })

  it('refuses a literal private URL with a message that says how to opt in', () => {
    expect(() => strict.assertUrlAllowed(new URL('http://127.0.0.1:8080/hook'))).toThrow(UnsafeUrlError)
    expect(() => strict.assertUrlAllowed(new URL('http://[::1]/hook'))).toThrow(/allowPrivate: true/)
    expect(() => strict.assertUrlAllowed(new URL('https://example.com/hook'))).not.toThrow()
  })

  it('lets an allowlisted CIDR through and nothing else', () => {
    const guard = new SsrfGuard({ allowPrivate: false, allowCidrs: ['10.20.0.0/16'] })
    expect(guard.isAllowed('10.20.5.5')).toBe(true)
    expect(guard.isAllowed('10.21.5.5')).toBe(false)
  })

  it('refuses names that resolve to private addresses at connect time', async () => {
    const error = await new Promise<Error | null>((resolve) =>
      strict.lookup('localhost', {}, (err) => resolve(err)),
    )
    expect(error).toBeInstanceOf(UnsafeUrlError)
  })

  it('rejects a malformed CIDR with a clear error', () => {
    expect(() => new SsrfGuard({ allowPrivate: false, allowCidrs: ['10.0.0.0/33'] })).toThrow(ValidationError)
  })
})
