import { githubScheme } from './github-scheme.js'
import type { SchemeDefinition, SigningScheme } from './scheme.js'
import { standardScheme } from './standard-scheme.js'
import { stripeScheme } from './stripe-scheme.js'

const SCHEMES: Readonly<Record<SigningScheme, SchemeDefinition<unknown>>> = Object.freeze({
  standard: standardScheme as SchemeDefinition<unknown>,
  stripe: stripeScheme as SchemeDefinition<unknown>,
  github: githubScheme as SchemeDefinition<unknown>,
})

const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** The definition of `name` (default `'standard'`), or undefined for an unknown name. */
export function findScheme(name: unknown): SchemeDefinition<unknown> | undefined {
  if (name === undefined) return standardScheme as SchemeDefinition<unknown>
  return typeof name === 'string' && Object.hasOwn(SCHEMES, name) ? SCHEMES[name as SigningScheme] : undefined
}

/**
 * The lower-case signature header name to use: `headerName` for the stripe scheme (validated as
 * an HTTP token), the scheme's fixed name otherwise. Undefined when `headerName` is not a token.
 */
export function resolveHeaderName(scheme: SchemeDefinition<unknown>, headerName: unknown): string | undefined {
  if (headerName === undefined || scheme.name !== 'stripe') return scheme.defaultHeaderName
  return typeof headerName === 'string' && HTTP_TOKEN.test(headerName) ? headerName.toLowerCase() : undefined
}

/** The names of the schemes, quoted, for messages. */
export function schemeList(): string {
  return Object.keys(SCHEMES)
    .map((name) => `'${name}'`)
    .join(', ')
}
