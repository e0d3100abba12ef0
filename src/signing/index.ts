/**
 * `hookrelay/signing`: sign and verify webhooks (Standard Webhooks, Stripe, GitHub schemes).
 * Pure code; no runtime dependency beyond `node:crypto`.
 */
export { sign, type SignOptions } from './sign.js'
export { verify, type VerifyOptions, type VerifyResult } from './verify.js'
export { generateSecret, generateKeyPair, type WebhookKeyPair } from './secrets.js'
export { WebhookVerificationError, type WebhookVerificationErrorCode } from './webhook-verification-error.js'
export { SIGNING_SCHEMES, isSigningScheme, type SigningScheme } from './scheme.js'
export { signatureHeaderNames } from './signature-header-names.js'
export type { HeaderSource, HeadersLike } from './headers.js'
export { HookrelayError, ValidationError } from '../core/errors.js'
export type { Duration } from '../core/duration.js'
