import { createHash, randomBytes } from 'node:crypto'
import { z } from 'zod'
import { toMilliseconds, type Duration } from '../core/duration.js'
import { DURATION_HINT, durationCheck, parseOrThrow } from '../core/validation.js'
import type { PortalSessionStore } from '../storage/kysely/portal-sessions.js'

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

/** SHA-256 of a token, as stored: the database never holds a usable link or session. */
function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** A token's shape: 32 random bytes in base64url. Anything else is refused without a database read. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/

/**
 * `relay.portal`: single-use links that let a customer see and manage only their tenant's
 * endpoints, messages and dead letters in the dashboard's portal (`/portal/…` under its mount).
 *
 * Links and sessions are stored in the relay's database (a hash of each token, never the token), so
 * a link created by one process is opened on any other, and sessions survive restarts. Retention
 * (`relay.purge()`) deletes the expired ones.
 */
export class Portal {
  readonly #now: () => number
  readonly #store: PortalSessionStore

  constructor(deps: { now: () => number; store: PortalSessionStore }) {
    this.#now = deps.now
    this.#store = deps.store
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
    const token = randomBytes(32).toString('base64url')
    const expiresAt = new Date(now + toMilliseconds(parsed.expiresIn ?? '10m', 'expiresIn'))
    const sessionTtlMs = toMilliseconds(parsed.sessionTtl ?? '1h', 'sessionTtl')
    await this.#store.insertLink({ tokenHash: hashOf(token), tenant: parsed.tenant, expiresAt, sessionTtlMs, createdAt: new Date(now) })
    const path = `/portal/${token}`
    return { path, url: parsed.baseUrl ? `${parsed.baseUrl.replace(/\/+$/, '')}${path}` : null, expiresAt }
  }

  /**
   * Exchanges a link's token for a session: the cookie value (a new random token) and what it
   * proves; `null` if the link is unknown, used or expired. Single use across every process.
   */
  async redeem(token: string): Promise<{ cookie: string; session: PortalSession } | null> {
    if (!TOKEN.test(token)) return null
    const now = this.#now()
    const link = await this.#store.redeemLink(hashOf(token), new Date(now))
    if (!link) return null
    const cookie = randomBytes(32).toString('base64url')
    const session = { tenant: link.tenant, expiresAt: new Date(now + link.sessionTtlMs) }
    await this.#store.insertSession({ tokenHash: hashOf(cookie), tenant: session.tenant, expiresAt: session.expiresAt, createdAt: new Date(now) })
    return { cookie, session }
  }

  /** The session a cookie value proves, or `null` when it is unknown, malformed or expired. */
  async verify(cookie: string | undefined): Promise<PortalSession | null> {
    if (!cookie || !TOKEN.test(cookie)) return null
    return (await this.#store.getSession(hashOf(cookie), new Date(this.#now()))) ?? null
  }
}
