import Table from 'cli-table3'

/** Where the CLI writes: results to `out`, progress and errors to `err`; `columns` is the terminal width. */
export interface CliIo {
  out: (text: string) => void
  err: (text: string) => void
  /** Width tables must fit in. @default process.stdout.columns, else $COLUMNS, else unbounded (a pipe or a file) */
  columns?: number
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  get columns() {
    return process.stdout.columns || Number(process.env.COLUMNS) || Number.POSITIVE_INFINITY
  },
}

type Cell = string | number | null | undefined

const MIN_COLUMN = 8
// Ids and times are copied whole: a column holding them never wraps.
const UNBREAKABLE = /^([a-z]{2,5}_[0-9A-Za-z]{10,}|\d{4}-\d\d-\d\d[T ][\d:.]+Z)$/

/**
 * Column widths (padding included) that fit `width` with the borders, or `null` when they cannot:
 * the widest wrappable columns give way first, never below a few characters; columns of ids and
 * times keep their width.
 */
export function fitColumns(natural: readonly number[], fixed: readonly boolean[], width: number): number[] | null {
  const widths = [...natural]
  let excess = widths.reduce((a, b) => a + b, 0) + widths.length + 1 - width
  while (excess > 0) {
    let widest = -1
    for (let i = 0; i < widths.length; i++) {
      if (fixed[i] || widths[i]! <= MIN_COLUMN) continue
      if (widest === -1 || widths[i]! > widths[widest]!) widest = i
    }
    if (widest === -1) return null
    widths[widest] = widths[widest]! - 1
    excess -= 1
  }
  return widths
}

function longestLine(cell: string): number {
  return Math.max(...cell.split('\n').map((line) => line.length))
}

function grid(head: string[] | undefined, rows: string[][], colWidths: number[] | null): string {
  const t = new Table({
    ...(head ? { head } : {}),
    ...(colWidths ? { colWidths, wordWrap: true, wrapOnWordBoundary: false } : {}),
    style: { head: [], border: [], compact: head === undefined },
  })
  for (const row of rows) t.push(row)
  return t.toString()
}

function render(head: string[], rows: string[][], width: number): string {
  const natural = head.map((h, i) => Math.max(longestLine(h), ...rows.map((r) => longestLine(r[i] ?? ''))) + 2)
  const fixed = head.map((_, i) => rows.some((r) => UNBREAKABLE.test(r[i] ?? '')))
  const widths = fitColumns(natural, fixed, width)
  if (widths) return grid(head, rows, widths)
  // Too many unbreakable columns for the terminal: one record per row, as `psql \x` does.
  return rows.map((row, n) => `-[ ${n + 1} ]\n` + keyValues(head.map((h, i) => [h, row[i] ?? '']), width)).join('\n')
}

function keyValues(entries: [string, string][], width: number): string {
  const keyWidth = Math.max(...entries.map(([key]) => key.length)) + 2
  const valueWidth = Math.max(MIN_COLUMN, width - keyWidth - 3)
  const natural = Math.max(...entries.map(([, value]) => longestLine(value))) + 2
  return grid(undefined, entries, [keyWidth, Math.min(natural, valueWidth)])
}

const text = (cell: unknown): string => (cell === null || cell === undefined ? '' : formatValue(cell))

/** A plain table (no colours, so it reads the same in a terminal, a file or a CI log) at most `width` wide. */
export function table(head: string[], rows: Cell[][], width = Number.POSITIVE_INFINITY): string {
  return rows.length === 0 ? '(none)' : render(head, rows.map((row) => row.map(text)), width)
}

/** Key/value lines as a two-column table at most `width` wide. */
export function details(entries: [string, unknown][], width = Number.POSITIVE_INFINITY): string {
  return keyValues(entries.map(([key, value]) => [key, text(value)]), width)
}

export function formatValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.join(', ')
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}

/** A time to the second in UTC (`2026-01-31 02:00:00Z`): JSON output keeps the full ISO time. */
export function time(value: Date | null | undefined): string {
  return value ? `${value.toISOString().slice(0, 19).replace('T', ' ')}Z` : ''
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2)
}
