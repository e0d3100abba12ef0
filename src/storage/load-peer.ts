import { createRequire } from 'node:module'
import { isAbsolute, join } from 'node:path'
import { MissingDependencyError } from '../core/errors.js'

/**
 * `require` that works in both builds: the ESM build has `import.meta.url`; in the CommonJS build
 * `import.meta` is empty and `__filename` is this file. Falls back to the working directory.
 */
function localRequire(): NodeJS.Require {
  const meta = import.meta as { url?: string } | undefined
  const here = meta?.url ?? (typeof __filename === 'string' ? __filename : undefined)
  const usable = here !== undefined && (here.startsWith('file:') || isAbsolute(here))
  return createRequire(usable ? here : join(process.cwd(), 'index.js'))
}

/**
 * Loads an optional peer dependency (`pg`, `better-sqlite3`) when it is first needed, so users
 * only install the driver of the database they use. Throws `MissingDependencyError` when absent.
 */
export function loadOptionalPeer<T>(pkg: string, purpose: string): T {
  try {
    return localRequire()(pkg) as T
  } catch (error) {
    if (isModuleNotFound(error, pkg)) throw new MissingDependencyError(pkg, purpose, { cause: error })
    throw error
  }
}

function isModuleNotFound(error: unknown, pkg: string): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, message } = error as { code?: unknown; message?: unknown }
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${pkg}'`)
}
