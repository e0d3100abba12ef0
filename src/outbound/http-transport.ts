import { Agent } from 'undici'
import { HttpAttempt } from './http-attempt.js'
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

/** Where an endpoint URL posts to. */
interface Target {
  origin: string
  path: string
}

// Endpoint URLs remembered with their checked origin and path; past this many the memory starts over.
const MAX_TARGETS = 1_000

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
  readonly #targets = new Map<string, Target>()
  /** Attempts running, by the stop signal they were given. */
  readonly #live = new WeakMap<AbortSignal, Set<HttpAttempt>>()

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

  post(req: HttpAttemptRequest): Promise<HttpAttemptResult> {
    return new Promise<HttpAttemptResult>((resolve) => {
      let timer: NodeJS.Timeout | undefined
      let live: Set<HttpAttempt> | undefined
      // Settles once, whichever way the attempt ends: the timer and the stop watch go with it.
      const attempt: HttpAttempt = new HttpAttempt(
        this.#maxBody,
        (error) => describeError(error, req.timeoutMs),
        (result) => {
          clearTimeout(timer)
          live?.delete(attempt)
          resolve(result)
        },
        this.#now,
      )
      if (req.signal?.aborted) return attempt.fail('aborted: the relay is stopping', true)
      let target: Target
      try {
        target = this.#target(req.url)
      } catch (error) {
        return attempt.fail(describeError(error, req.timeoutMs), false)
      }
      // One deadline for the whole attempt. undici's headersTimeout and bodyTimeout are idle
      // timers (reset by every chunk), so a receiver dripping a byte a second would hold the
      // attempt, and its lease, for ever; at the deadline the request is aborted and its socket
      // destroyed instead.
      timer = setTimeout(() => attempt.fail(`TIMEOUT: no complete response within ${req.timeoutMs} ms`, false), req.timeoutMs)
      live = this.#watch(req.signal, attempt)
      try {
        this.#agent.dispatch(
          {
            origin: target.origin,
            path: target.path,
            method: 'POST',
            headers: req.headers,
            body: req.body,
            headersTimeout: req.timeoutMs,
            bodyTimeout: req.timeoutMs,
          },
          attempt,
        )
      } catch (error) {
        attempt.fail(describeError(error, req.timeoutMs), false)
      }
    })
  }

  /**
   * The stop signal is the same for every attempt of a dispatcher: one listener per signal aborts
   * the attempts still running, instead of a listener added and removed per request.
   */
  #watch(signal: AbortSignal | undefined, attempt: HttpAttempt): Set<HttpAttempt> | undefined {
    if (!signal) return undefined
    let live = this.#live.get(signal)
    if (!live) {
      const attempts = new Set<HttpAttempt>()
      live = attempts
      this.#live.set(signal, attempts)
      signal.addEventListener(
        'abort',
        () => {
          for (const a of [...attempts]) a.fail('aborted: the relay is stopping', true)
        },
        { once: true },
      )
    }
    live.add(attempt)
    return live
  }

  /** Origin and path of an endpoint URL, checked by the SSRF guard; remembered, since endpoints repeat. */
  #target(url: string): Target {
    let target = this.#targets.get(url)
    if (target) return target
    const parsed = new URL(url)
    this.#guard.assertUrlAllowed(parsed)
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }
    if (this.#targets.size >= MAX_TARGETS) this.#targets.clear()
    this.#targets.set(url, target)
    return target
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
