import { Agent, request } from 'undici'
import { parseRetryAfter } from '../core/retry-policy.js'
import type { SsrfGuard } from './ssrf-guard.js'

/** One POST of a signed webhook. */
export interface HttpAttemptRequest {
  url: string
  headers: Record<string, string>
  body: string
  /**
   * The hard deadline of the attempt, connect to last byte of the response: at this point the
   * request is aborted and its socket destroyed, however the receiver is still trickling bytes.
   */
  timeoutMs: number
  /** Aborts the attempt (the relay is stopping). */
  signal?: AbortSignal
}

/** What came back; `statusCode: null` means no response (timeout, refused, DNS, refused by the SSRF guard). */
export interface HttpAttemptResult {
  statusCode: number | null
  responseBody: string | null
  retryAfterMs: number | null
  error: string | null
  durationMs: number
  /** True when the attempt was cut short because the relay is stopping: not the receiver's fault. */
  aborted: boolean
}

/** The port the dispatcher posts through. */
export interface HttpTransport {
  post(request: HttpAttemptRequest): Promise<HttpAttemptResult>
  close(): Promise<void>
}

export interface UndiciTransportOptions {
  guard: SsrfGuard
  /** Bytes of the response body kept for the attempt log. */
  maxResponseBodyBytes: number
  /** Keep-alive connections per origin. */
  connectionsPerOrigin: number
  /** Time allowed to open a connection (TCP and TLS). */
  connectTimeoutMs: number
  /** The relay's clock (epoch ms): a Retry-After HTTP date is read against it, as the retry is scheduled by it. */
  now: () => number
}

// Past this many bytes a response is not worth draining to reuse its connection.
const MAX_DRAIN_BYTES = 64 * 1024

/**
 * Posts through one undici Agent: a keep-alive pool per origin, no redirects followed, every
 * hostname resolved through the SSRF guard's lookup (literal addresses are checked up front,
 * since they skip DNS).
 */
export class UndiciTransport implements HttpTransport {
  readonly #agent: Agent
  readonly #guard: SsrfGuard
  readonly #maxBody: number
  readonly #now: () => number

  constructor(options: UndiciTransportOptions) {
    this.#guard = options.guard
    this.#now = options.now
    this.#maxBody = options.maxResponseBodyBytes
    this.#agent = new Agent({
      connections: options.connectionsPerOrigin,
      keepAliveTimeout: 10_000,
      connect: { lookup: options.guard.lookup, timeout: options.connectTimeoutMs },
    })
  }

  async post(req: HttpAttemptRequest): Promise<HttpAttemptResult> {
    const started = performance.now()
    // One deadline for the whole attempt. undici's headersTimeout and bodyTimeout are idle timers
    // (reset by every chunk), so a receiver dripping a byte a second would hold the attempt, and
    // its lease, for ever; aborting the request at the deadline destroys the socket instead.
    const deadline = new AbortController()
    const timer = setTimeout(() => deadline.abort(), req.timeoutMs)
    const stop = () => deadline.abort()
    if (req.signal?.aborted) deadline.abort()
    else req.signal?.addEventListener('abort', stop, { once: true })
    try {
      this.#guard.assertUrlAllowed(new URL(req.url))
      const res = await request(req.url, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: req.headers,
        body: req.body,
        signal: deadline.signal,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      })
      const responseBody = await this.#readBody(res.body)
      return {
        statusCode: res.statusCode,
        responseBody,
        retryAfterMs: parseRetryAfter(res.headers['retry-after'], this.#now()),
        error: null,
        durationMs: Math.round(performance.now() - started),
        aborted: false,
      }
    } catch (error) {
      const aborted = req.signal?.aborted === true
      const timedOut = !aborted && deadline.signal.aborted
      return {
        statusCode: null,
        responseBody: null,
        retryAfterMs: null,
        error: timedOut ? `TIMEOUT: no complete response within ${req.timeoutMs} ms` : describeError(error, req.timeoutMs),
        durationMs: Math.round(performance.now() - started),
        aborted,
      }
    } finally {
      clearTimeout(timer)
      req.signal?.removeEventListener('abort', stop)
    }
  }

  async #readBody(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string | null> {
    const kept: Buffer[] = []
    let keptBytes = 0
    let seen = 0
    for await (const chunk of body) {
      seen += chunk.length
      if (keptBytes < this.#maxBody) {
        const slice = chunk.subarray(0, this.#maxBody - keptBytes)
        kept.push(slice)
        keptBytes += slice.length
      }
      if (seen > MAX_DRAIN_BYTES) {
        body.destroy()
        break
      }
    }
    return keptBytes === 0 ? null : Buffer.concat(kept).toString('utf8')
  }

  async close(): Promise<void> {
    await this.#agent.close()
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/** `CODE: message`, walking `cause` so undici's "fetch failed" style wrappers show the real reason. */
function describeError(error: unknown, timeoutMs: number): string {
  let current: unknown = error
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return `TIMEOUT: no response within ${timeoutMs} ms (${code})`
    if (typeof code === 'string' && code !== 'UND_ERR') return `${code}: ${current.message}`
    if (!(current as { cause?: unknown }).cause) break
    current = (current as { cause?: unknown }).cause
  }
  return error instanceof Error ? error.message : String(error)
}
