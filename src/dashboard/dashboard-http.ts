import type { AdminAuthorize, AdminRequest } from '../admin/admin-handlers.js'

/**
 * A request to the dashboard, as any framework can describe it. `path` is relative to where the
 * dashboard is mounted (`/`, `/api/overview`, `/assets/app.js`); `''` means the mount path itself
 * without its trailing slash (answered with a redirect, so relative asset URLs resolve).
 */
export interface DashboardRequest extends AdminRequest {
  /** Where the dashboard is mounted as the browser sees it, e.g. `/webhooks-admin` (`''` at the root). */
  basePath: string
}

/** A Server-Sent Events body: `open` starts writing chunks and returns the function that stops it. */
export interface DashboardStream {
  /**
   * Starts the stream. `write` returns false when the connection's buffer is full: the chunk was
   * dropped, and the stream keeps going (a slow viewer skips frames instead of growing memory).
   */
  open(write: (chunk: string) => boolean): () => void
}

/** The dashboard's answer: a complete body, or a stream (the live feed). */
export interface DashboardResponse {
  status: number
  headers: Record<string, string>
  body: string | Uint8Array | DashboardStream
}

/** The framework-neutral dashboard: `(request) => Promise<response>`. */
export type DashboardHandler = (request: DashboardRequest) => Promise<DashboardResponse>

/** Who may open the dashboard; the same contract as the admin API's `authorize`. */
export type DashboardAuthorize = AdminAuthorize

/** True when `body` is a stream rather than a complete body. */
export function isStream(body: DashboardResponse['body']): body is DashboardStream {
  return typeof body === 'object' && !(body instanceof Uint8Array)
}
