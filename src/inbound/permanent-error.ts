import { HookrelayError } from '../core/errors.js'

const BRAND = Symbol.for('hookrelay.PermanentError')

/**
 * Thrown by an inbound handler to say that retrying cannot help (the event refers to something
 * that does not exist, its data is invalid for good, …): the message goes to the dead-letter
 * queue at once instead of being retried on the schedule. It can still be replayed later.
 *
 * @example
 * stripe.on('invoice.paid', async (event) => {
 *   const order = await db.orders.find(event.data.object.metadata.orderId)
 *   if (!order) throw new PermanentError(`No order for invoice ${event.data.object.id}`)
 *   await order.markPaid()
 * })
 */
export class PermanentError extends HookrelayError {
  /** Recognises a PermanentError even when two copies of hookrelay are loaded (ESM and CJS). */
  readonly [BRAND] = true

  constructor(message: string, options?: { cause?: unknown }) {
    super('PERMANENT_ERROR', message, options)
  }
}

/**
 * Wraps any error (or message) in a {@link PermanentError}, keeping the original as `cause`.
 *
 * @example
 * try { schema.parse(event.data) } catch (error) { throw permanent(error) }
 */
export function permanent(error: unknown): PermanentError {
  if (isPermanentError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  return new PermanentError(message, { cause: error })
}

/** True for a {@link PermanentError}, from this copy of hookrelay or another. */
export function isPermanentError(error: unknown): error is PermanentError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true
}
