import { constantTimeEqualAt } from './constant-time.js'

/** One `version,value` (standard) or `version=value` (stripe, github) entry of a signature header. */
export interface SignatureEntry {
  readonly version: string
  readonly value: string
}

/**
 * The syntax of a signature header: `v1,abc v1a,def` (standard: entries separated by spaces,
 * version and value by a comma) or `t=1,v1=abc` (stripe, github: entries separated by commas,
 * version and value by `=`).
 */
export interface EntrySyntax {
  readonly between: ' ' | ','
  readonly within: ',' | '='
}

/** Where one entry lies in the header: version `[start, split)`, value `[split + 1, end)`. */
interface Bounds {
  start: number
  split: number
  end: number
  /** Where the next entry starts. */
  next: number
}

/**
 * True when an entry of `version` has exactly `expected` as value, compared in constant time
 * where it stands in the header (no slicing: this runs on every verification).
 */
export function hasEntry(header: string, syntax: EntrySyntax, version: string, expected: string): boolean {
  const bounds: Bounds = { start: 0, split: 0, end: 0, next: 0 }
  let found = false
  for (let at = 0; at < header.length; at = bounds.next) {
    if (scanEntry(header, at, syntax, bounds) && isVersion(header, bounds, version)) {
      // No early exit: every candidate is compared, so the time does not tell which one matched.
      if (constantTimeEqualAt(header, bounds.split + 1, bounds.end, expected)) found = true
    }
  }
  return found
}

/** The values of every entry of `version`, e.g. the `t=` of a stripe header or the `v1a,` signatures. */
export function entryValues(header: string, syntax: EntrySyntax, version: string): string[] {
  const bounds: Bounds = { start: 0, split: 0, end: 0, next: 0 }
  const values: string[] = []
  for (let at = 0; at < header.length; at = bounds.next) {
    if (scanEntry(header, at, syntax, bounds) && isVersion(header, bounds, version)) values.push(header.slice(bounds.split + 1, bounds.end))
  }
  return values
}

/**
 * The value of the entry of `version` (e.g. the `t=` of a stripe header): undefined when there is
 * none, null when several entries of that version disagree.
 */
export function singleEntryValue(header: string, syntax: EntrySyntax, version: string): string | null | undefined {
  const bounds: Bounds = { start: 0, split: 0, end: 0, next: 0 }
  let value: string | undefined
  for (let at = 0; at < header.length; at = bounds.next) {
    if (!scanEntry(header, at, syntax, bounds) || !isVersion(header, bounds, version)) continue
    const length = bounds.end - bounds.split - 1
    if (value === undefined) value = header.slice(bounds.split + 1, bounds.end)
    else if (length !== value.length || !header.startsWith(value, bounds.split + 1)) return null
  }
  return value
}

/** Every entry, for messages on the failure path. */
export function parseSignatureEntries(header: string, syntax: EntrySyntax): SignatureEntry[] {
  const bounds: Bounds = { start: 0, split: 0, end: 0, next: 0 }
  const entries: SignatureEntry[] = []
  for (let at = 0; at < header.length; at = bounds.next) {
    if (scanEntry(header, at, syntax, bounds)) {
      entries.push({ version: header.slice(bounds.start, bounds.split), value: header.slice(bounds.split + 1, bounds.end) })
    }
  }
  return entries
}

/**
 * Finds the entry starting at `from`; false when that item has no version (it is skipped).
 * Surrounding spaces and tabs are dropped. A standard header repeated by a proxy and joined with
 * ', ' leaves a trailing comma on an entry; base64 has none, so it is dropped too.
 */
function scanEntry(header: string, from: number, syntax: EntrySyntax, bounds: Bounds): boolean {
  let end = header.indexOf(syntax.between, from)
  if (end < 0) end = header.length
  bounds.next = end + 1
  let start = from
  while (start < end && isSpace(header.charCodeAt(start))) start++
  while (end > start && isSpace(header.charCodeAt(end - 1))) end--
  const split = header.indexOf(syntax.within, start)
  if (split <= start || split >= end) return false
  if (syntax.between === ' ' && end - 1 > split && header.charCodeAt(end - 1) === 44) end--
  bounds.start = start
  bounds.split = split
  bounds.end = end
  return true
}

function isVersion(header: string, bounds: Bounds, version: string): boolean {
  return bounds.split - bounds.start === version.length && header.startsWith(version, bounds.start)
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9
}
