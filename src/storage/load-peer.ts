import { createRequire } from 'node:module'
import { MissingDependencyError } from '../core/errors.js'

/**
 * `require` that works in both builds: the CommonJS build has `__filename` (and no
 * `import.meta.url`), the ESM build has `import.meta.url`.
 */
function localRequire(): NodeJS.Require {
  return createRequire(typeof __filename === 'string' ? __filename : import.meta.url)
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
