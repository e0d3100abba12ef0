/** The mountable dashboard: the framework-neutral handler and its types (mounts live in the adapters' entries). */
export { createDashboardHandler } from './dashboard-handler.js'
export type { DashboardOptions, RoutedDashboardOptions } from './dashboard-options.js'
export type { DashboardAuthorize, DashboardHandler, DashboardRequest, DashboardResponse, DashboardStream } from './dashboard-http.js'
export type { LiveEvent, LiveFrame, LiveCounter } from './live-feed.js'
export type { MessageSearchRow } from './message-search.js'
export type { Portal, PortalLink, PortalSession, PortalSessionOptions } from './portal.js'
export type { PortalTheme } from './dashboard-options.js'
