/** `hookrelay/express`: mount a receiver on Express 4 or 5. */
export { expressReceiver } from './express-receiver.js'
export { RAW_BODY_FIX, type ExpressLikeRequest } from './raw-body.js'
export type { Receiver, ReceiverRequest, ReceiverResponse } from '../../inbound/receiver.js'
export { expressAdmin, type ExpressAdminMiddleware } from './admin.js'
export type { AdminOptions, AdminAuthorize, AdminDenial, AdminRequest, AdminResponse } from '../../admin/admin-handlers.js'
export { expressDashboard, type ExpressDashboardMiddleware } from '../../dashboard/mounts/express-dashboard.js'
export type { DashboardOptions } from '../../dashboard/dashboard-options.js'
