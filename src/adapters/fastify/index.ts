/** `hookrelay/fastify`: mount a receiver on Fastify 5, as an encapsulated plugin. */
export { fastifyReceiver, type FastifyReceiverOptions } from './fastify-receiver.js'
export type { Receiver, ReceiverRequest, ReceiverResponse } from '../../inbound/receiver.js'
export { fastifyAdmin } from './admin.js'
export type { AdminOptions, AdminAuthorize, AdminDenial, AdminRequest, AdminResponse } from '../../admin/admin-handlers.js'
export { fastifyDashboard } from '../../dashboard/mounts/fastify-dashboard.js'
export type { DashboardOptions } from '../../dashboard/dashboard-options.js'
