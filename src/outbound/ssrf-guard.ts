import { BlockList, isIP } from 'node:net'
import type { LookupAddress, LookupOneOptions, LookupAllOptions } from 'node:dns'
import dns from 'node:dns'
import { UnsafeUrlError, ValidationError } from '../core/errors.js'
import { embeddedIpv4 } from './embedded-ipv4.js'

/** Which destinations the SSRF guard lets through. */
export interface NetworkPolicy {
  /** Allow loopback, private, link-local and other non-public addresses everywhere. Default false. */
  allowPrivate: boolean
  /** CIDRs allowed even when private, e.g. `['10.20.0.0/16']`. */
  allowCidrs: readonly string[]
}

// Non-public ranges (IANA special-purpose registries). Blocked unless the policy opts in.
const BLOCKED_V4: readonly [string, number][] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
]
// Forms that carry an IPv4 address (::/96, ::ffff:0:0/96, ::ffff:0:0:0/96, 64:ff9b::/96, 2002::/16)
// are judged by that address instead: see `embeddedIpv4`.
const BLOCKED_V6: readonly [string, number][] = [
  ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['3fff::', 20], ['5f00::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
]

const blocked = new BlockList()
for (const [net, prefix] of BLOCKED_V4) blocked.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of BLOCKED_V6) blocked.addSubnet(net, prefix, 'ipv6')

/** Builds the allowlist once; throws a `ValidationError` naming a malformed CIDR. */
export function compileAllowList(cidrs: readonly string[]): BlockList {
  const list = new BlockList()
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/')
    const family = net ? isIP(net) : 0
    const prefix = Number(bits)
    if (!net || family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
      throw new ValidationError(`network.allowCidrs: ${JSON.stringify(cidr)} is not a CIDR such as '10.0.0.0/8' or 'fd00::/8'.`)
    }
    list.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6')
  }
  return list
}

/** The guard the transport consults: a literal-address check and a DNS lookup that refuses. */
export class SsrfGuard {
  readonly #allowPrivate: boolean
  readonly #allow: BlockList

  constructor(policy: NetworkPolicy) {
    this.#allowPrivate = policy.allowPrivate
    this.#allow = compileAllowList(policy.allowCidrs)
  }

  /** Is `address` (a literal IP) a destination we may connect to? */
  isAllowed(address: string): boolean {
    if (this.#allowPrivate) return true
    const family = isIP(address)
    if (family === 0) return false
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (this.#allow.check(address, type)) return true
    // An IPv6 form that reaches an IPv4 host (::7f00:1, ::ffff:0:7f00:1, 2002:7f00:1::1,
    // 64:ff9b::a00:1) is only as public as that host.
    const v4 = family === 6 ? embeddedIpv4(address) : null
    if (v4 !== null) return this.isAllowed(v4)
    return !blocked.check(address, type)
  }

  /** Throws `UnsafeUrlError` if the URL's host is a literal address we refuse. Names are checked at connect. */
  assertUrlAllowed(url: URL): void {
    const host = url.hostname.replace(/^\[|\]$/g, '')
    if (isIP(host) !== 0 && !this.isAllowed(host)) throw unsafe(url.hostname, host)
  }

  /**
   * A `dns.lookup` replacement for the HTTP agent: resolves as usual, then refuses the connection
   * if any resolved address is not allowed (checking all of them defeats DNS answers that mix a
   * public and a private address).
   */
  readonly lookup = (
    hostname: string,
    options: LookupOneOptions | LookupAllOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0)
      const refused = addresses.find((a) => !this.isAllowed(a.address))
      if (refused) return callback(unsafe(hostname, refused.address), '', 0)
      if ((options as LookupAllOptions).all) return callback(null, addresses)
      const first = addresses[0]
      if (!first) return callback(Object.assign(new Error(`No address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0)
      callback(null, first.address, first.family)
    })
  }
}

function unsafe(host: string, address: string): UnsafeUrlError {
  return new UnsafeUrlError(
    `Refusing to deliver to ${host} (${address}): it is a loopback, private, link-local or otherwise non-public address. ` +
      `If this endpoint is meant to be internal, create the relay with network: { allowPrivate: true } ` +
      `or network: { allowCidrs: ['<its range>'] }.`,
  )
}
