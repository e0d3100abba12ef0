/** The shapes of the admin API: its request, answer, authorisation and options. */
/** A request to the admin API, as any framework can describe it. `path` is relative to where it is mounted. */
export interface AdminRequest {
  method: string
  /** E.g. `/endpoints/ep_123/stats`, without the mount prefix and without the query string. */
  path: string
  query: Record<string, string | string[] | undefined>
  /**
   * The parsed JSON body (`undefined` when there is none), for a caller that already has it.
   * Prefer `readBody`: a body given here was read before anyone checked who sent it.
   */
  body?: unknown
  /**
   * Reads and parses the JSON body. The handler calls it only once `authorize` granted the
   * request and a route that takes a body matched, so nothing of a refused request is read or
   * parsed. It throws a `HookrelayError` with code `INVALID_JSON` (answered 400) or
   * `PAYLOAD_TOO_LARGE` (413). `authorize` never sees it.
   * @example readBody: async () => JSON.parse(await request.text())
   */
  readBody?: (() => Promise<unknown>) | undefined
  headers: Record<string, string | string[] | undefined>
}

/** The answer: JSON (`body` is the serialised text), or nothing for 204. */
export interface AdminResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** A refusal `authorize` can return instead of `false` (which means 401). */
export interface AdminDenial {
  status: 401 | 403
  message?: string | undefined
}

/**
 * Decides whether a request may use the admin API: only `true` lets it through; `{ status: 403 }`
 * answers 403, and anything else (`false`, `null`, `undefined`, `{ status: 401 }`) answers 401.
 * If it throws (or rejects), the request is answered 500 and the error is emitted on the relay's
 * `error` event (context `admin.authorize`): never a grant. It runs before the body is read, so it
 * sees the method, path, query and headers, not the body. Check a session, an API key, a signed
 * token — whatever the app uses.
 */
export type AdminAuthorize = (
  request: AdminRequest,
) => boolean | AdminDenial | null | undefined | Promise<boolean | AdminDenial | null | undefined>

/** Options of the admin API (`createAdminHandler`, `expressAdmin`, `fastifyAdmin`). */
export interface AdminOptions {
  /**
   * Required. Who may use the admin API. Mounting without it is an error; pass `'none'` to mount it
   * without any check on purpose (e.g. behind a gateway that already authenticates).
   * @example authorize: (req) => req.headers.authorization === `Bearer ${process.env.ADMIN_TOKEN}`
   */
  authorize: AdminAuthorize | 'none'
}

/** The framework-neutral admin API: `(request) => Promise<response>`. */
export type AdminHandler = (request: AdminRequest) => Promise<AdminResponse>
