import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { toMilliseconds, type Duration } from '../core/duration.js'
import { DURATION_HINT, durationCheck, parseOrThrow } from '../core/validation.js'

/** Options of `relay.portal.createSession()`. */
export interface PortalSessionOptions {
  /** The tenant (your customer) whose endpoints, messages and dead letters the portal shows. */
  tenant: string
  /**
   * How long the link may be opened. It works once: opening it exchanges it for a session.
   * @default '10m'
   * @example expiresIn: '1h'
   */
  expiresIn?: Duration | undefined
  /**
   * How long the session lasts once the link was opened.
   * @default '1h'
   * @example sessionTtl: '8h'
   */
  sessionTtl?: Duration | undefined
  /**
   * Where the dashboard is mounted as an absolute URL, to get a full `url` back.
   * @default undefined (only `path` is returned)
   * @example baseUrl: 'https://app.example.com/webhooks-admin'
   */
  baseUrl?: string | undefined
}

/** A portal link: `path` under the dashboard's mount (`/portal/<token>`), and `url` when a `baseUrl` was given. */
export interface PortalLink {
  path: string
  url: string | null
  expiresAt: Date
}

/** A portal session, as its cookie proves it. */
export interface PortalSession {
  tenant: string
  expiresAt: Date
}

const sessionOptions = z.strictObject({
  tenant: z.string().min(1).max(256),
  expiresIn: z.custom<Duration>(durationCheck, { message: DURATION_HINT }).optional(),
  sessionTtl: z.custom<Duration>(durationCheck, { message: DURATION_HINT }).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
})

/** Unredeemed links kept at most; the oldest are forgotten first (they would expire anyway). */
const MAX_LINKS = 10_000

/**
 * `relay.portal`: single-use links that let a customer see and manage only their tenant's
 * endpoints, messages and dead letters in the dashboard's portal (`/portal/…` under its mount).
 *
 * Links and the key that signs sessions live in this process's memory: open a link on the process
 * that created it (sticky sessions behind a load balancer), and sessions end when it restarts.
 */
export class Portal {
  readonly #now: () => number
  readonly #links = new Map<string, { tenant: string; expiresAt: number; sessionTtlMs: number }>()
  readonly #key = randomBytes(32)

  constructor(deps: { now: () => number }) {
    this.#now = deps.now
  }

  /**
   * Creates a single-use link to the portal of `tenant`.
   *
   * @example
   * const { url } = await relay.portal.createSession({ tenant: 'acme', expiresIn: '10m', baseUrl: 'https://app.example.com/webhooks-admin' })
   * // send the customer to `url`, or put it in an <iframe src> (see the dashboard's frameAncestors)
   */
  async createSession(options: PortalSessionOptions): Promise<PortalLink> {
    const parsed = parseOrThrow(sessionOptions, options, 'portal session options')
    const now = this.#now()
    this.#prune(now)
    const token = randomBytes(32).toString('base64url')
    const expiresAt = now + toMilliseconds(parsed.expiresIn ?? '10m', 'expiresIn')
    this.#links.set(token, { tenant: parsed.tenant, expiresAt, sessionTtlMs: toMilliseconds(parsed.sessionTtl ?? '1h', 'sessionTtl') })
    const path = `/portal/${token}`
    return { path, url: parsed.baseUrl ? `${parsed.baseUrl.replace(/\/+$/, '')}${path}` : null, expiresAt: new Date(expiresAt) }
  }

  /** Exchanges a link's token for a session cookie value; `null` if it is unknown, used or expired. */
  redeem(token: string): { cookie: string; session: PortalSession } | null {
    const link = this.#links.get(token)
    if (!link) return null
    this.#links.delete(token) // single use, whatever happens next
    const now = this.#now()
    if (link.expiresAt <= now) return null
    const session = { tenant: link.tenant, expiresAt: new Date(now + link.sessionTtlMs) }
    const body = Buffer.from(JSON.stringify({ t: session.tenant, e: session.expiresAt.getTime() })).toString('base64url')
    return { cookie: `${body}.${this.#sign(body)}`, session }
  }

  /** The session a cookie value proves, or `null` when it is forged, malformed or expired. */
  verify(cookie: string | undefined): PortalSession | null {
    if (!cookie) return null
    const [body, mac, extra] = cookie.split('.')
    if (!body || !mac || extra !== undefined) return null
    const expected = Buffer.from(this.#sign(body))
    const given = Buffer.from(mac)
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null
    try {
      const { t, e } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { t: unknown; e: unknown }
      if (typeof t !== 'string' || typeof e !== 'number' || e <= this.#now()) return null
      return { tenant: t, expiresAt: new Date(e) }
    } catch {
      return null
    }
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url')
  }

  #prune(now: number): void {
    for (const [token, link] of this.#links) if (link.expiresAt <= now) this.#links.delete(token)
    while (this.#links.size >= MAX_LINKS) this.#links.delete(this.#links.keys().next().value!)
  }
}
