import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isEventCatalog, type EventCatalog } from '../catalog/define-events.js'
import { ValidationError } from '../core/errors.js'

/**
 * Loads the app's event catalog for the CLI: the catalog lives in the app's code, not in the
 * database, so `--catalog ./dist/events.js` (or `HOOKRELAY_CATALOG`) names the module that
 * exports it — as `default`, as `events`, or as the only catalog among its exports. A `#name`
 * suffix picks an export: `./dist/events.js#orderEvents`. TypeScript modules need a loader
 * (`node --import tsx`), as any `.ts` file does in Node 20.
 */
export async function loadCatalog(specifier: string): Promise<EventCatalog> {
  const [path = '', exportName] = specifier.split('#')
  const url = /^[a-z][a-z0-9+.-]*:/i.test(path) ? path : pathToFileURL(isAbsolute(path) ? path : resolve(process.cwd(), path)).href
  let module: Record<string, unknown>
  try {
    module = (await import(url)) as Record<string, unknown>
  } catch (error) {
    throw new ValidationError(
      `--catalog: cannot load ${JSON.stringify(path)} (${(error as Error).message}). Give the path of a JavaScript module that exports defineEvents(...), e.g. --catalog ./dist/events.js.`,
      [{ path: ['catalog'], message: 'module not loadable' }],
    )
  }
  const candidates = exportName !== undefined ? [module[exportName]] : [module.default, module.events]
  const found = candidates.find(isEventCatalog) ?? (exportName === undefined ? onlyCatalog(module) : undefined)
  if (!found) {
    const exports = Object.keys(module).join(', ') || 'nothing'
    throw new ValidationError(
      `--catalog: ${JSON.stringify(specifier)} exports no event catalog${exportName ? ` named ${exportName}` : ' as default or events'} (it exports ${exports}). ` +
        'Export the result of defineEvents(...), or name it: --catalog ./dist/events.js#myCatalog.',
      [{ path: ['catalog'], message: 'no event catalog exported' }],
    )
  }
  return found
}

function onlyCatalog(module: Record<string, unknown>): EventCatalog | undefined {
  const catalogs = Object.values(module).filter(isEventCatalog)
  return catalogs.length === 1 ? catalogs[0] : undefined
}
