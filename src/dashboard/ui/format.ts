/** Formatting helpers: everything returns plain strings that the UI renders as text. */

export function time(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString()
}

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
}

export function ago(iso: string | null): string {
  if (!iso) return '—'
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000)
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.round(s / 60)}m ago`
  if (s < 86400) return `${Math.round(s / 3600)}h ago`
  return `${Math.round(s / 86400)}d ago`
}

export function percent(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(rate >= 0.999 || rate === 0 ? 0 : 1)}%`
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—'
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`
}

export function duration(value: number): string {
  if (value % 3_600_000 === 0) return `${value / 3_600_000}h`
  if (value % 60_000 === 0) return `${value / 60_000}m`
  if (value % 1000 === 0) return `${value / 1000}s`
  return `${value}ms`
}

/** A JSON text pretty-printed when it parses, else as it came. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

export function rate(count: number, seconds: number): string {
  const value = count / seconds
  return value >= 100 ? value.toFixed(0) : value.toFixed(1)
}
