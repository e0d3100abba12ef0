import type { Command } from 'commander'
import type { BulkResult } from '../core/operations.js'
import { createRelay, type Relay } from '../relay.js'
import { connect } from './connect.js'
import { loadCatalog } from './load-catalog.js'
import { details, json, table, type CliIo } from './output.js'

/** The options every command takes (shown in each command's help). */
export interface GlobalOptions {
  databaseUrl?: string
  tablePrefix?: string
  schema?: string
  /** The module exporting the app's event catalog (`--catalog`, `HOOKRELAY_CATALOG`). */
  catalog?: string
  json?: boolean
}

/** What a command group needs to define its commands. */
export interface CliContext {
  io: CliIo
  /** Wraps an action so it runs with a relay on the configured database (workers off), closed afterwards. */
  withRelay<A extends unknown[]>(
    action: (relay: Relay, globals: GlobalOptions, ...args: A) => Promise<void>,
    options?: { allowPrivate?: boolean; mustExist?: boolean },
  ): (...args: A) => Promise<void>
  /** Prints `value` as JSON with `--json`, else what `human()` returns. */
  print(globals: GlobalOptions, value: unknown, human: () => string): void
  /** Progress lines of a bulk operation, on stderr. */
  progress(verb: string): (p: BulkResult) => void
  /** A table as wide as the terminal at most. */
  table(head: string[], rows: (string | number | null | undefined)[][]): string
  /** Key/value lines as wide as the terminal at most. */
  details(entries: [string, unknown][]): string
  /** A page's table followed by how to get the next page. */
  page(rendered: string, nextCursor: string | null): string
}

export function cliContext(io: CliIo): CliContext {
  return {
    io,
    withRelay:
      (action, relayOptions = {}) =>
      async (...args) => {
        const command = args[args.length - 1] as Command
        const globals = command.optsWithGlobals<GlobalOptions>()
        const allowPrivate = (command.opts() as { allowPrivate?: boolean }).allowPrivate ?? relayOptions.allowPrivate ?? false
        // With the app's catalog, the CLI checks event types and sends catalog examples as the app does.
        const events = globals.catalog ? await loadCatalog(globals.catalog) : undefined
        const storage = connect({ ...globals, mustExist: relayOptions.mustExist ?? true })
        // The CLI reports errors itself (they reject the command): no logger lines on top.
        const relay: Relay = createRelay({ storage, network: { allowPrivate }, logger: false, ...(events && { events }) })
        try {
          await action(relay, globals, ...args)
        } finally {
          await relay.stop()
        }
      },
    print: (globals, value, human) => io.out(globals.json ? json(value) : human()),
    progress: (verb) => (p) => io.err(`${verb} ${p.changed} (looked at ${p.matched})`),
    table: (head, rows) => table(head, rows, io.columns),
    details: (entries) => details(entries, io.columns),
    page: (rendered, nextCursor) => (nextCursor ? `${rendered}\nmore: --cursor ${nextCursor}` : rendered),
  }
}

/** Ends a command with this exit code, having said why already (the demo's failed scenarios). */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`)
  }
}

/** Adds an Examples section to a command's help. */
export function examples(command: Command, lines: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`)
}
