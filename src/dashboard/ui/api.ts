/**
 * The dashboard's JSON API, called with relative URLs (the page is served at the mount path with a
 * trailing slash). Changes carry the CSRF token the server put in the page's <meta>.
 */

const csrf = document.querySelector<HTMLMetaElement>('meta[name="hookrelay-csrf"]')?.content ?? ''

/** An error answer of the API, with its code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

type Query = Record<string, string | number | undefined | null>

function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  const search = params.toString()
  return `api/${path}${search ? `?${search}` : ''}`
}

async function parse<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T
  const text = await response.text()
  const body = text ? (JSON.parse(text) as unknown) : undefined
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error
    throw new ApiError(response.status, error?.code ?? 'HTTP', error?.message ?? `HTTP ${response.status}`)
  }
  return body as T
}

/** GET a JSON route. */
export async function getJson<T>(path: string, query?: Query): Promise<T> {
  return parse<T>(await fetch(url(path, query), { headers: { accept: 'application/json' } }))
}

/** A change (POST, PATCH, DELETE) with the CSRF token. */
export async function change<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await fetch(url(path), {
    method,
    headers: { 'content-type': 'application/json', 'x-hookrelay-csrf': csrf },
    body: body === undefined ? (method === 'DELETE' ? null : '{}') : JSON.stringify(body),
  })
  return parse<T>(response)
}

/** The dashboard's title (from the page's <meta>). */
export const title = document.querySelector<HTMLMetaElement>('meta[name="hookrelay-title"]')?.content ?? 'hookrelay'

const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? null

/** True in the tenant portal (served under /portal/ of the mount): one tenant's data, no operator views. */
export const isPortal = meta('hookrelay-mode') === 'portal'
/** The portal's tenant. */
export const portalTenant = meta('hookrelay-tenant')
/** The portal's branding. */
export const portalTheme = { accent: meta('hookrelay-accent'), logo: meta('hookrelay-logo') }
