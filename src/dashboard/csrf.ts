import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { DashboardRequest } from './dashboard-http.js'

/**
 * CSRF protection of every change the dashboard makes, in three layers:
 * 1. a double-submit token: the page carries a random token (in a `<meta>`) that also sits in an
 *    HttpOnly, SameSite=Strict cookie; a change must send it back in the `x-hookrelay-csrf` header.
 *    Another site can neither read the token nor set that header without a CORS preflight we never
 *    answer;
 * 2. `Origin`, when the browser sends it, must be this host;
 * 3. `Sec-Fetch-Site`, when the browser sends it, must be `same-origin`.
 */

export const CSRF_COOKIE = 'hookrelay_csrf'
export const CSRF_HEADER = 'x-hookrelay-csrf'
const TOKEN = /^[A-Za-z0-9_-]{32,64}$/

function header(request: DashboardRequest, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** The value of cookie `name`, if the request has it. */
export function readCookie(request: DashboardRequest, name: string): string | undefined {
  const cookies = header(request, 'cookie')
  if (!cookies) return undefined
  for (const part of cookies.split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return value.join('=')
  }
  return undefined
}

/** The CSRF token of the browser's cookie `name`, if it holds a well-formed one. */
export function csrfCookie(request: DashboardRequest, name = CSRF_COOKIE): string | undefined {
  const token = readCookie(request, name)
  return token !== undefined && TOKEN.test(token) ? token : undefined
}

/** Where a CSRF cookie lives: its name, path, and `SameSite` (`None` where the page is framed elsewhere). */
export interface CsrfCookieOptions {
  name: string
  path: string
  sameSite: 'Strict' | 'None'
}

/** The token to put in the page: the cookie's, or a new one with the `Set-Cookie` that stores it. */
export function issueCsrfToken(request: DashboardRequest, cookie?: CsrfCookieOptions): { token: string; setCookie?: string } {
  const { name, path, sameSite } = cookie ?? { name: CSRF_COOKIE, path: `${request.basePath}/`, sameSite: 'Strict' }
  const existing = csrfCookie(request, name)
  if (existing) return { token: existing }
  const token = randomBytes(32).toString('base64url')
  const secure = sameSite === 'None' || header(request, 'x-forwarded-proto') === 'https' ? '; Secure' : ''
  return { token, setCookie: `${name}=${token}; Path=${path}; HttpOnly; SameSite=${sameSite}${secure}` }
}

/** Why a change is refused, or `null` when it may go on. Safe methods (GET, HEAD) are never refused. */
export function csrfRefusal(request: DashboardRequest, cookieName = CSRF_COOKIE): string | null {
  const method = request.method.toUpperCase()
  if (method === 'GET' || method === 'HEAD') return null
  const site = header(request, 'sec-fetch-site')
  if (site !== undefined && site !== 'same-origin') return `Cross-site request refused (Sec-Fetch-Site: ${site}).`
  const origin = header(request, 'origin')
  if (origin !== undefined) {
    const host = header(request, 'x-forwarded-host') ?? header(request, 'host')
    let originHost: string | null = null
    try {
      originHost = new URL(origin).host
    } catch {
      // "null" or garbage: refused below.
    }
    if (!host || originHost !== host) return 'Cross-origin request refused: Origin does not match Host.'
  }
  const cookie = csrfCookie(request, cookieName)
  const sent = header(request, CSRF_HEADER)
  if (!cookie || !sent) return `Missing CSRF token: reload the dashboard (changes need the ${CSRF_HEADER} header and its cookie).`
  const a = Buffer.from(cookie)
  const b = Buffer.from(sent)
  if (a.length !== b.length || !timingSafeEqual(a, b)) return 'CSRF token mismatch: reload the dashboard.'
  return null
}
