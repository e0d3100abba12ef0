import type { Dispatcher } from 'undici'
import { parseRetryAfter } from '../core/retry-policy.js'
import type { HttpAttemptResult } from './http-transport.js'

/** Past this many bytes a response is not worth draining to reuse its connection. */
export const MAX_DRAIN_BYTES = 64 * 1024

type Controller = Dispatcher.DispatchController
type Headers = Record<string, string | string[] | undefined>

/**
 * One POST as an undici dispatch handler: the response's status, headers and first bytes are
 * taken as they arrive, without the `Readable`, async iterator and `AbortSignal` that
 * `undici.request()` makes per request (together about a fifth of a delivery's client CPU).
 *
 * It settles exactly once (`done`): at the end of the response, on an error, when more than
 * `MAX_DRAIN_BYTES` arrived (the socket is dropped, the answer kept), at the deadline, or when the
 * relay stops (`abort`). After that every late callback is ignored and the request, if it has
 * started, is aborted, which destroys its socket.
 */
export class HttpAttempt implements Dispatcher.DispatchHandler {
  readonly #started = performance.now()
  readonly #maxBody: number
  readonly #describe: (error: unknown) => string
  readonly #resolve: (result: HttpAttemptResult) => void
  #controller: Controller | null = null
  #finished = false
  #statusCode = 0
  #headers: Headers | null = null
  #kept: Buffer[] | null = null
  #keptBytes = 0
  #seen = 0

  /** The relay's clock: a Retry-After HTTP date is read against it. */
  readonly #now: () => number
  constructor(
    maxBody: number,
    describe: (error: unknown) => string,
    resolve: (result: HttpAttemptResult) => void,
    now: () => number = Date.now,
  ) {
    this.#now = now
    this.#maxBody = maxBody
    this.#describe = describe
    this.#resolve = resolve
  }

  get finished(): boolean {
    return this.#finished
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller
    // Settled before the request reached a socket (deadline, stop): it must not go out now.
    if (this.#finished) controller.abort(new Error('attempt already ended'))
  }

  onResponseStart(_controller: Controller, statusCode: number, headers: Headers): void {
    this.#statusCode = statusCode
    this.#headers = headers
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#finished) return
    this.#seen += chunk.length
    if (this.#keptBytes < this.#maxBody) {
      const slice = chunk.length <= this.#maxBody - this.#keptBytes ? chunk : chunk.subarray(0, this.#maxBody - this.#keptBytes)
      ;(this.#kept ??= []).push(slice)
      this.#keptBytes += slice.length
    }
    if (this.#seen > MAX_DRAIN_BYTES) {
      this.#answer()
      controller.abort(new Error('response body too large to drain'))
    }
  }

  onResponseEnd(): void {
    if (!this.#finished) this.#answer()
  }

  onResponseError(_controller: Controller, error: Error): void {
    if (!this.#finished) this.fail(this.#describe(error), false)
  }

  /** Ends the attempt without an answer (deadline, stop) and aborts the request if it started. */
  fail(error: string, aborted: boolean): void {
    if (this.#finished) return
    this.#finished = true
    this.#resolve({ statusCode: null, responseBody: null, retryAfterMs: null, error, durationMs: this.#duration(), aborted })
    const controller = this.#controller
    if (controller && !controller.aborted) controller.abort(new Error(error))
  }

  #answer(): void {
    this.#finished = true
    const kept = this.#kept
    this.#resolve({
      statusCode: this.#statusCode,
      responseBody: kept === null ? null : (kept.length === 1 ? kept[0]! : Buffer.concat(kept)).toString('utf8'),
      retryAfterMs: this.#headers ? parseRetryAfter(this.#headers['retry-after'], this.#now()) : null,
      error: null,
      durationMs: this.#duration(),
      aborted: false,
    })
  }

  #duration(): number {
    return Math.round(performance.now() - this.#started)
  }
}
