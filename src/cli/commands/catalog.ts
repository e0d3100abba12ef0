import type { Command } from 'commander'
import { listCatalog } from '../../catalog/catalog-listing.js'
import { NotFoundError, ValidationError } from '../../core/errors.js'
import { examples, type CliContext, type GlobalOptions } from '../context.js'
import { loadCatalog } from '../load-catalog.js'

/** `hookrelay catalog [type]`: the app's event types, from its catalog module (no database needed). */
export function catalogCommands(program: Command, cli: CliContext): void {
  examples(
    program
      .command('catalog [type]')
      .description('list the event types of the app\'s catalog (--catalog); with a type, its JSON Schema and examples'),
    ['hookrelay catalog --catalog ./dist/events.js', 'hookrelay catalog order.created --catalog ./dist/events.js --json'],
  ).action(async (type: string | undefined, _opts: unknown, command: Command) => {
    const globals = command.optsWithGlobals<GlobalOptions>()
    if (!globals.catalog) {
      throw new ValidationError(
        'hookrelay catalog needs the module that exports your defineEvents(…): --catalog ./dist/events.js (or HOOKRELAY_CATALOG). The catalog lives in your code, not in the database.',
        [{ path: ['catalog'], message: 'required' }],
      )
    }
    const entries = listCatalog(await loadCatalog(globals.catalog))
    if (type === undefined) {
      cli.print(globals, { data: entries, nextCursor: null }, () =>
        cli.table(
          ['type', 'description', 'examples', 'schema'],
          entries.map((e) => [e.type, e.description, e.examples.length, e.schema ? 'yes' : 'no']),
        ),
      )
      return
    }
    const entry = entries.find((e) => e.type === type)
    if (!entry) throw new NotFoundError('Event type', type)
    cli.print(globals, entry, () =>
      [
        cli.details([
          ['type', entry.type],
          ['description', entry.description],
        ]),
        `\nschema of data:\n${entry.schema ? JSON.stringify(entry.schema, null, 2) : '(the schema library gives no JSON Schema)'}`,
        ...entry.examples.map((example, i) => `\nexample ${i + 1}:\n${JSON.stringify(example, null, 2)}`),
      ].join('\n'),
    )
  })
}
