import { adminError } from '../admin/admin-handlers.js'
import type { Relay } from '../relay.js'
import { loadAssets, pageHtml } from './assets.js'
import { csrfRefusal, issueCsrfToken, readCookie } from './csrf.js'
import type { DashboardRequest, DashboardResponse } from './dashboard-http.js'
import type { ResolvedDashboardOptions } from './dashboard-options.js'
import { portalRoutes } from './portal-routes.js'
import { isAnswer, readDashboardBody } from './dashboard-body.js'

export const PORTAL_COOKIE = 'hookrelay_portal'
const PORTAL_CSRF_COOKIE = 'hookrelay_portal_csrf'

function text(status: number, message: string): DashboardResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: message }
}

/**
 * The tenant portal under `/portal/…` of the dashboard's mount. It does not use the dashboard's
 * `authorize` (customers are not operators): a single-use link (`/portal/<token>`) is exchanged
 * for a signed session cookie, and every route answers for that session's tenant only.
 * `segments` are the path's segments after `portal`.
 */
export async function handlePortal(
  relay: Relay,
  options: ResolvedDashboardOptions,
  segments: string[],
  request: DashboardRequest,
  assetResponse: (name: string) => DashboardResponse,
): Promise<DashboardResponse> {
  const home = `${request.basePath}/portal/`
  // Framed in the app of another origin, the cookies must be SameSite=None (which requires Secure).
  const sameSite = options.frameAncestors.length > 0 ? 'None' : 'Strict'
  const method = request.method.toUpperCase()

  // The link: exchanged once for a session, then gone.
  if (segments.length === 1 && segments[0] !== 'api' && segments[0] !== 'assets') {
    if (method !== 'GET') return adminError(405, 'METHOD_NOT_ALLOWED', 'Open the portal link with GET.')
    const redeemed = await relay.portal.redeem(segments[0]!)
    if (!redeemed) return text(401, 'This portal link has expired or was already used. Ask for a new link.')
    const maxAge = Math.max(0, Math.floor((redeemed.session.expiresAt.getTime() - Date.now()) / 1000))
    const secure = sameSite === 'None' || request.headers['x-forwarded-proto'] === 'https' ? '; Secure' : ''
    return {
      status: 302,
      headers: {
        location: home,
        'cache-control': 'no-store',
        // Lax on the session so the redirect right after the link carries it; changes still need the CSRF token.
        'set-cookie': `${PORTAL_COOKIE}=${redeemed.cookie}; Path=${home}; Max-Age=${maxAge}; HttpOnly; SameSite=${sameSite === 'None' ? 'None' : 'Lax'}${secure}`,
      },
      body: '',
    }
  }

  if (segments[0] === 'assets' && segments.length === 2) return assetResponse(segments[1]!)

  const session = await relay.portal.verify(readCookie(request, PORTAL_COOKIE))
  if (segments.length === 0) {
    if (!session) return text(401, 'Your portal session has ended. Ask for a new link.')
    if (method !== 'GET' && method !== 'HEAD') return adminError(405, 'METHOD_NOT_ALLOWED', 'Use GET.')
    const { token, setCookie } = issueCsrfToken(request, { name: PORTAL_CSRF_COOKIE, path: home, sameSite })
    const assets = loadAssets()
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...(setCookie && { 'set-cookie': setCookie }) },
      body: pageHtml({
        title: options.portal.name,
        csrfToken: token,
        version: assets.get('app.js')?.etag.slice(1, 9) ?? '0',
        portal: { tenant: session.tenant, logoUrl: options.portal.logoUrl, accentColor: options.portal.accentColor },
      }),
    }
  }

  if (segments[0] !== 'api') return adminError(404, 'ROUTE_NOT_FOUND', `No portal route ${request.method} ${request.path}.`)
  if (!session) return adminError(401, 'UNAUTHORIZED', 'Your portal session has ended. Ask for a new link.')
  const refusal = csrfRefusal(request, PORTAL_CSRF_COOKIE)
  if (refusal) return adminError(403, 'CSRF', refusal)
  const read = await readDashboardBody(request)
  if (isAnswer(read)) return read
  const answer = await portalRoutes.handle({ relay, tenant: session.tenant }, segments.slice(1), read)
  return answer ?? adminError(404, 'ROUTE_NOT_FOUND', `No portal route ${request.method} ${request.path}.`)
}
