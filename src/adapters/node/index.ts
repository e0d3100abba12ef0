/** `hookrelay/node`: mount a receiver on `http.createServer` or any `(req, res)` handler. */
export { nodeReceiver } from './node-receiver.js'
export type { Receiver, ReceiverRequest, ReceiverResponse } from '../../inbound/receiver.js'
export { nodeDashboard } from '../../dashboard/mounts/node-dashboard.js'
export type { DashboardOptions, RoutedDashboardOptions } from '../../dashboard/dashboard-options.js'
export { nodeAdmin, type MountedAdminOptions } from './admin.js'
export type { AdminOptions, AdminAuthorize, AdminDenial, AdminRequest, AdminResponse } from '../../admin/admin-handlers.js'
