/** `hookrelay/fetch`: mount a receiver where handlers are `(Request) => Response` (Next.js, Hono, Bun). */
export { fetchReceiver } from './fetch-receiver.js'
export type { Receiver, ReceiverRequest, ReceiverResponse } from '../../inbound/receiver.js'
export { fetchDashboard } from '../../dashboard/mounts/fetch-dashboard.js'
export type { DashboardOptions, RoutedDashboardOptions } from '../../dashboard/dashboard-options.js'
export { fetchAdmin } from './admin.js'
export type { MountedAdminOptions } from '../node/admin.js'
export type { AdminOptions, AdminAuthorize, AdminDenial, AdminRequest, AdminResponse } from '../../admin/admin-handlers.js'
