/**
 * The demo's terminal output: headings, timestamped event lines, tables and progress.
 *
 * In a terminal (stdout is a TTY) progress is drawn as live bars with cli-progress and text is
 * coloured (unless NO_COLOR is set). Anywhere else (CI logs, `| tee`) there are no escape codes and
 * progress is printed as an occasional plain line instead of a redrawn bar.
 */
import cliProgress from 'cli-progress'
import Table from 'cli-table3'

const tty = process.stdout.isTTY === true
const colour = tty && !process.env.NO_COLOR && process.env.TERM !== 'dumb'
/** The width the demo writes to: the terminal's, at most 100; 80 when it is not a terminal. */
export const WIDTH = Math.min(process.stdout.columns || 80, 100)
const paint = (code: string) => (text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text)

export const c = {
  bold: paint('1'),
  dim: paint('2'),
  red: paint('31'),
  green: paint('32'),
  yellow: paint('33'),
  blue: paint('34'),
  magenta: paint('35'),
  cyan: paint('36'),
}

/** One bar of a {@link Progress}. */
export interface BarSpec {
  key: string
  label: string
  total: number
}

/** Live progress: bars in a terminal, occasional lines elsewhere. */
export interface Progress {
  /** Sets a bar's value; `info` is shown after it (e.g. a rate or a state). */
  update(key: string, value: number, info?: string): void
  /** Changes a bar's total (e.g. while work is still being added). */
  setTotal(key: string, total: number): void
  /** Prints a line above the bars without breaking them. */
  log(text: string): void
  stop(): void
}

export class View {
  readonly interactive = tty
  #sectionStart = Date.now()
  #progress: Progress | null = null

  /** A line of text (routed above the live bars while they are drawn). */
  line(text = ''): void {
    if (this.#progress) this.#progress.log(text)
    else process.stdout.write(`${text}\n`)
  }

  banner(title: string, facts: Array<[string, string]>): void {
    this.line(c.bold(title))
    const width = Math.max(...facts.map(([k]) => k.length))
    const indent = ' '.repeat(width + 4)
    for (const [key, value] of facts) {
      const [first = '', ...rest] = wrap(value, WIDTH - indent.length)
      this.line(`  ${c.dim(key.padEnd(width))}  ${first}`)
      for (const more of rest) this.line(`${indent}${more}`)
    }
  }

  section(index: number, total: number, title: string, lead: string): void {
    this.#sectionStart = Date.now()
    this.line()
    this.line(c.dim('─'.repeat(WIDTH)))
    this.line(`${c.bold(c.cyan(`[${index}/${total}] ${title}`))}`)
    for (const text of wrap(lead, WIDTH - 2)) this.line(`  ${c.dim(text)}`)
    this.line()
  }

  /** Milliseconds since the current section began, as `+1.23s`. */
  elapsed(): string {
    return `+${((Date.now() - this.#sectionStart) / 1000).toFixed(2)}s`
  }

  /** A timestamped line: `  +0.42s  sender    text`. */
  event(actor: string, text: string): void {
    const indent = ' '.repeat(21)
    const [first = '', ...rest] = wrap(text, WIDTH - indent.length)
    this.line(`  ${c.dim(this.elapsed().padStart(7))}  ${actorColour(actor)(actor.padEnd(9))} ${first}`)
    for (const more of rest) this.line(`${indent}${more}`)
  }

  /** An indented explanatory line. */
  note(text: string): void {
    for (const part of wrap(text, WIDTH - 2)) this.line(`  ${part}`)
  }

  /** An invariant that held. */
  pass(text: string): void {
    const [first = '', ...rest] = wrap(text, WIDTH - 8)
    this.line(`  ${c.green('PASS')}  ${first}`)
    for (const more of rest) this.line(`        ${more}`)
  }

  /**
   * A table that fits the terminal (80 columns when it is not one): `widths` (columns, padding
   * included) are the widths wanted; the widest give way first and long cells wrap.
   */
  table(head: string[], rows: Array<Array<string | number>>, align?: Array<'left' | 'right' | 'center'>, wanted?: number[]): void {
    const natural = head.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(String(r[i] ?? '')))) + 2)
    const widths = fitWidths(wanted ?? natural, WIDTH - 2)
    const table = new Table({
      head: head.map((h) => c.bold(h)),
      style: { head: [], border: colour ? ['grey'] : [], 'padding-left': 1, 'padding-right': 1 },
      ...(align ? { colAligns: align } : {}),
      colWidths: widths,
      wordWrap: true,
    })
    for (const row of rows) table.push(row.map(String))
    for (const text of table.toString().split('\n')) this.line(`  ${text}`)
  }

  /**
   * Starts live progress. In a terminal: one cli-progress bar per spec. Otherwise a line at most
   * every `everyMs` (and a last one on stop) listing each bar's value.
   */
  progress(specs: BarSpec[], everyMs = 1_000): Progress {
    const progress = tty ? new TtyProgress(specs) : new LineProgress(specs, everyMs, () => this.elapsed())
    const stop = progress.stop.bind(progress)
    let stopped = false
    progress.stop = () => {
      if (stopped) return
      stopped = true
      stop()
      this.#progress = null
    }
    this.#progress = progress
    return progress
  }
}

function actorColour(actor: string): (text: string) => string {
  if (actor.startsWith('sender')) return c.blue
  if (actor.startsWith('customer')) return c.magenta
  if (actor.startsWith('attacker')) return c.red
  if (actor.startsWith('circuit')) return c.yellow
  return c.cyan
}

class TtyProgress implements Progress {
  readonly #bars = new Map<string, cliProgress.SingleBar>()
  readonly #multi: cliProgress.MultiBar

  constructor(specs: BarSpec[]) {
    const width = Math.max(...specs.map((s) => s.label.length))
    this.#multi = new cliProgress.MultiBar(
      {
        format: `  {label} ${c.cyan('{bar}')} {percentage}% {value}/{total} {info}`,
        barCompleteChar: '█',
        barIncompleteChar: '░',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        fps: 12,
        stream: process.stdout,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    )
    for (const spec of specs) {
      this.#bars.set(spec.key, this.#multi.create(spec.total, 0, { label: spec.label.padEnd(width), info: '' }))
    }
  }

  update(key: string, value: number, info = ''): void {
    this.#bars.get(key)?.update(value, { info })
  }

  setTotal(key: string, total: number): void {
    this.#bars.get(key)?.setTotal(total)
  }

  log(text: string): void {
    this.#multi.log(`${text}\n`)
  }

  stop(): void {
    this.#multi.stop()
  }
}

class LineProgress implements Progress {
  readonly #state = new Map<string, { spec: BarSpec; value: number; info: string }>()
  readonly #everyMs: number
  readonly #clock: () => string
  #last = 0
  #printed = ''

  constructor(specs: BarSpec[], everyMs: number, clock: () => string) {
    for (const spec of specs) this.#state.set(spec.key, { spec, value: 0, info: '' })
    this.#everyMs = everyMs
    this.#clock = clock
  }

  update(key: string, value: number, info = ''): void {
    const bar = this.#state.get(key)
    if (!bar) return
    bar.value = value
    bar.info = info
    if (Date.now() - this.#last >= this.#everyMs) this.#print()
  }

  setTotal(key: string, total: number): void {
    const bar = this.#state.get(key)
    if (bar) bar.spec = { ...bar.spec, total }
  }

  log(text: string): void {
    process.stdout.write(`${text}\n`)
  }

  stop(): void {
    this.#print()
  }

  #print(): void {
    this.#last = Date.now()
    const parts = [...this.#state.values()].map(({ spec, value, info }) => {
      const pct = spec.total === 0 ? 100 : Math.floor((value / spec.total) * 100)
      return `${spec.label.trim()} ${value}/${spec.total} (${pct}%)${info ? ` ${info}` : ''}`
    })
    const text = parts.join(' | ')
    if (text === this.#printed) return
    this.#printed = text
    const indent = ' '.repeat(21)
    const [first = '', ...rest] = wrap(text, WIDTH - indent.length)
    process.stdout.write(`  ${this.#clock().padStart(7)}  ${'progress'.padEnd(9)} ${first}\n`)
    for (const more of rest) process.stdout.write(`${indent}${more}\n`)
  }
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let current = ''
  for (const word of text.split(/\s+/)) {
    if (current && current.length + word.length + 1 > width) {
      lines.push(current)
      current = word
    } else {
      current = current ? `${current} ${word}` : word
    }
  }
  if (current) lines.push(current)
  return lines
}

/** `1234.5` → `1,235`. */
export const num = (n: number): string => Math.round(n).toLocaleString('en-US')

/** Milliseconds, compactly: `0.8 ms`, `12 ms`, `1.24 s`. */
export function ms(n: number): string {
  if (n < 10) return `${n.toFixed(1)} ms`
  if (n < 1_000) return `${Math.round(n)} ms`
  return `${(n / 1000).toFixed(2)} s`
}

/** The printed width of `text`: colour codes take no room. */
function visible(text: string): number {
  // eslint-disable-next-line no-control-regex
  return Math.max(...text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((line) => line.length))
}

/** Shrinks the widest columns (never below 6) until `widths` and the borders fit `total`. */
export function fitWidths(widths: readonly number[], total: number): number[] {
  const fitted = [...widths]
  let excess = fitted.reduce((a, b) => a + b, 0) + fitted.length + 1 - total
  while (excess > 0) {
    const widest = fitted.indexOf(Math.max(...fitted))
    if (fitted[widest]! <= 6) break
    fitted[widest] = fitted[widest]! - 1
    excess -= 1
  }
  return fitted
}
