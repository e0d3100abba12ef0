import { createRequire } from 'node:module'
import { MissingDependencyError } from '../core/errors.js'

// tsup's shims give the CommonJS build an `import.meta.url` (from `__filename`), so one line
// serves both builds.
const localRequire = createRequire(import.meta.url)

/**
 * Loads an optional peer dependency (`pg`, `better-sqlite3`) when it is first needed, so users
 * only install the driver of the database they use. Throws `MissingDependencyError` when absent.
 */
export function loadOptionalPeer<T>(pkg: string, purpose: string): T {
  try {
    return localRequire(pkg) as T
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

/** The resolved path of an installed package's entry (for worker threads that load it themselves). */
export function resolveOptionalPeer(pkg: string, purpose: string): string {
  try {
    return localRequire.resolve(pkg)
  } catch (error) {
    if (isModuleNotFound(error, pkg)) throw new MissingDependencyError(pkg, purpose, { cause: error })
    throw error
  }
}
