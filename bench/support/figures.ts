/**
 * What a benchmark section hands back to `bench/run.ts`: figures (a value next to the baseline
 * measured in the same run) and free-form tables, both printed to the console and written to
 * docs/benchmarks.md.
 */

/** One measured value, with the baseline of the same run it is read against. */
export interface BenchFigure {
  name: string
  value: number
  unit: string
  baseline?: number
  ratio?: number
  target?: string
}

/** A table with its own columns (contenders side by side, windows of a long run, …). */
export interface BenchTable {
  /** One line said above the table in the docs. */
  caption?: string
  head: string[]
  /** 'l' or 'r' per column; numbers are right-aligned. */
  align?: ('l' | 'r')[]
  rows: string[][]
}

/** A section of the report: a title, how it was measured, and what came out. */
export interface BenchSection {
  title: string
  how: string
  figures?: BenchFigure[]
  tables?: BenchTable[]
}

export function figuresTable(figures: readonly BenchFigure[]): BenchTable {
  return {
    head: ['what', 'value', 'baseline', 'ratio'],
    align: ['l', 'r', 'r', 'r'],
    rows: figures.map((f) => [
      f.name,
      `${f.value.toFixed(0)} ${f.unit}`,
      f.baseline === undefined ? '' : f.baseline.toFixed(0),
      f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}${f.target ? ` (target ${f.target})` : ''}`,
    ]),
  }
}

export function markdownTable(table: BenchTable): string[] {
  const align = table.head.map((_, i) => ((table.align?.[i] ?? 'l') === 'r' ? '---:' : '---'))
  const lines = table.caption ? [table.caption, ''] : []
  lines.push(`| ${table.head.join(' | ')} |`, `| ${align.join(' | ')} |`)
  for (const row of table.rows) lines.push(`| ${row.join(' | ')} |`)
  return lines
}

/** The same table for a terminal: padded columns. */
export function printTable(table: BenchTable, log: (line: string) => void = console.log): void {
  const widths = table.head.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells.map((c, i) => ((table.align?.[i] ?? 'l') === 'r' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')
  if (table.caption) log(table.caption)
  log(line(table.head))
  for (const row of table.rows) log(line(row))
}

export function printFigures(figures: readonly BenchFigure[]): void {
  printTable(figuresTable(figures))
}

/** `1234.5` → `1,235`; ratios and small numbers keep two decimals. */
/** The median of some measurements (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export const fmt = {
  int: (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US')),
  ratio: (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(2)),
  one: (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1)),
}
