import { isIPv6 } from 'node:net'

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach (or are translated to) that
 * IPv4 host: IPv4-compatible `::a.b.c.d` (`::/96`), IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated
 * `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` (RFC 6052) and 6to4 `2002:AABB:CCDD::/48`. `null`
 * for any other address. The SSRF guard judges such an address by the IPv4 rules.
 */
export function embeddedIpv4(address: string): string | null {
  const groups = ipv6Groups(address)
  if (!groups) return null
  const zero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0)
  const tail = () => quad(groups[6]!, groups[7]!)
  if (zero(0, 6)) return tail() // IPv4-compatible, including :: and ::1
  if (zero(0, 5) && groups[5] === 0xffff) return tail() // IPv4-mapped
  if (zero(0, 4) && groups[4] === 0xffff && groups[5] === 0) return tail() // IPv4-translated (SIIT)
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zero(2, 6)) return tail() // NAT64 well-known prefix
  if (groups[0] === 0x2002) return quad(groups[1]!, groups[2]!) // 6to4
  return null
}

function quad(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`
}

/** The eight 16-bit groups of an IPv6 literal (zone id dropped), or `null` if it is not one. */
export function ipv6Groups(address: string): number[] | null {
  const bare = address.replace(/%.*$/, '')
  if (!isIPv6(bare)) return null
  let text = bare.toLowerCase()
  // A dotted-quad tail (::ffff:1.2.3.4) becomes two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, rest] = text.split('::') as [string, string | undefined]
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : [])
  const left = parse(head)
  const right = parse(rest)
  const fill = rest === undefined ? [] : Array<number>(8 - left.length - right.length).fill(0)
  const groups = [...left, ...fill, ...right]
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null
}
