import { ValidationError } from '../core/errors.js'
import type { SigningScheme } from './scheme.js'
import { findScheme, resolveHeaderName, schemeList } from './schemes.js'

/**
 * The lower-case names of the headers a scheme writes on signing and reads on verification, e.g.
 * to forward them through a proxy or to redact them from logs.
 *
 * @param scheme Default `'standard'`.
 * @param headerName Stripe scheme only: the signature header name, default `'stripe-signature'`.
 * @example
 * signatureHeaderNames('standard') // ['webhook-id', 'webhook-timestamp', 'webhook-signature']
 * signatureHeaderNames('stripe')   // ['stripe-signature']
 * signatureHeaderNames('github')   // ['x-hub-signature-256']
 */
export function signatureHeaderNames(scheme: SigningScheme = 'standard', headerName?: string): readonly string[] {
  const definition = findScheme(scheme)
  if (definition === undefined) {
    throw new ValidationError(`Unknown signing scheme ${JSON.stringify(scheme)}; use one of ${schemeList()}.`, [{ path: ['scheme'], message: 'unknown scheme' }])
  }
  const name = resolveHeaderName(definition, headerName)
  if (name === undefined) {
    throw new ValidationError(`headerName must be an HTTP header name such as 'stripe-signature'.`, [{ path: ['headerName'], message: 'not a header name' }])
  }
  return definition.headerNames(name)
}
