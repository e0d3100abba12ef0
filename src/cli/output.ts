import Table from 'cli-table3'

/** Where the CLI writes: results to `out`, progress and errors to `err`. */
export interface CliIo {
  out: (text: string) => void
  err: (text: string) => void
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
}

/** A plain table (no colours, so it reads the same in a terminal, a file or a CI log). */
export function table(head: string[], rows: (string | number | null | undefined)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } })
  for (const row of rows) t.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))))
  return t.toString()
}

/** Key/value lines as a two-column table. */
export function details(entries: [string, unknown][]): string {
  const t = new Table({ style: { head: [], border: [] } })
  for (const [key, value] of entries) t.push({ [key]: value === null || value === undefined ? '' : formatValue(value) })
  return t.toString()
}

export function formatValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.join(', ')
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}

export function time(value: Date | null | undefined): string {
  return value ? value.toISOString() : ''
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2)
}
