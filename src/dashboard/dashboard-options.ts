import { z } from 'zod'
import { ValidationError } from '../core/errors.js'
import { parseOrThrow } from '../core/validation.js'
import type { DashboardAuthorize } from './dashboard-http.js'

/** Options of the dashboard (`expressDashboard`, `fastifyDashboard`, `nodeDashboard`, `fetchDashboard`). */
export interface DashboardOptions {
  /**
   * Required. Who may open the dashboard; called on every request (page, assets, JSON, live feed).
   * `true` lets it through, `false` answers 401, `{ status: 403 }` answers 403. Mounting without it
   * is an error; pass `'none'` to mount it without any check on purpose (e.g. behind a gateway).
   * @example authorize: (req) => req.headers.cookie?.includes(`session=${adminSession}`) ?? false
   */
  authorize: DashboardAuthorize | 'none'
  /**
   * The name shown in the page title and header.
   * @default 'hookrelay'
   * @example title: 'Acme webhooks'
   */
  title?: string | undefined
  /**
   * Who may embed the dashboard in a frame: the CSP `frame-ancestors` sources.
   * @default [] (nobody: `frame-ancestors 'none'`)
   * @example frameAncestors: ['https://app.example.com']
   */
  frameAncestors?: string[] | undefined
  /**
   * How often the live feed sends what happened, in milliseconds. Events in between are counted
   * and the most recent `liveEventsPerFrame` of them are sent, so a blast stays cheap to watch.
   * @default 250
   * @example liveIntervalMs: 500
   */
  liveIntervalMs?: number | undefined
  /**
   * Most events listed per live frame (counts always include every event).
   * @default 50
   * @example liveEventsPerFrame: 20
   */
  liveEventsPerFrame?: number | undefined
  /**
   * How the tenant portal (`relay.portal.createSession()`) looks to your customers.
   * @default { name: title, logoUrl: none, accentColor: '#4f46e5' }
   * @example portal: { name: 'Acme webhooks', logoUrl: 'https://acme.example/logo.svg', accentColor: '#0f766e' }
   */
  portal?: PortalTheme | undefined
}

/** The tenant portal's branding. */
export interface PortalTheme {
  /** Shown in the portal's header and title. @default the dashboard's `title` */
  name?: string | undefined
  /** An https (or same-origin) image URL shown next to the name; its origin is allowed by the CSP. */
  logoUrl?: string | undefined
  /** A CSS hex colour for buttons and links. @default '#4f46e5' */
  accentColor?: string | undefined
}

/** Options of the mounts that see full URLs (`nodeDashboard`, `fetchDashboard`). */
export interface RoutedDashboardOptions extends DashboardOptions {
  /**
   * The path the dashboard is served under; requests outside it are not the dashboard's.
   * @default '' (the root)
   * @example basePath: '/webhooks-admin'
   */
  basePath?: string | undefined
}

/** Options after validation, with defaults applied. */
export interface ResolvedDashboardOptions {
  authorize: DashboardAuthorize | 'none'
  title: string
  frameAncestors: string[]
  liveIntervalMs: number
  liveEventsPerFrame: number
  portal: { name: string; logoUrl: string | null; accentColor: string }
}

const source = z
  .string()
  .min(1)
  .refine((s) => !/[\s;,'"]/.test(s), 'must be one CSP source without spaces, quotes, commas or semicolons')

const schema = z.object({
  title: z.string().min(1).max(80).default('hookrelay'),
  frameAncestors: z.array(source).max(20).default([]),
  liveIntervalMs: z.number().int().min(50).max(10_000).default(250),
  liveEventsPerFrame: z.number().int().min(1).max(500).default(50),
  portal: z
    .strictObject({
      name: z.string().min(1).max(80).optional(),
      logoUrl: z.url({ protocol: /^https?$/ }).optional(),
      accentColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a hex colour like '#0f766e'").optional(),
    })
    .default({}),
  basePath: z
    .string()
    .regex(/^(\/[^/?#\s]+)*$/, "must be '' or a path like '/webhooks-admin' without a trailing slash")
    .default(''),
})

/** Validates the options; mounting without `authorize` throws, as the admin API does. */
export function resolveDashboardOptions(options: RoutedDashboardOptions): ResolvedDashboardOptions & { basePath: string } {
  const authorize = options?.authorize
  if (authorize !== 'none' && typeof authorize !== 'function') {
    throw new ValidationError(
      'The dashboard needs an `authorize` function, e.g. expressDashboard(relay, { authorize: (req) => isAdmin(req) }). ' +
        "It can replay, discard and delete webhooks and reveal endpoint secrets; pass authorize: 'none' only if something in front of it already authenticates.",
      [{ path: ['authorize'], message: "required: a function, or 'none'" }],
    )
  }
  const { authorize: _a, ...rest } = options
  const parsed = parseOrThrow(schema, rest, 'dashboard options')
  return {
    authorize,
    ...parsed,
    portal: { name: parsed.portal.name ?? parsed.title, logoUrl: parsed.portal.logoUrl ?? null, accentColor: parsed.portal.accentColor ?? '#4f46e5' },
  }
}
