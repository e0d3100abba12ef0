/** `hookrelay/node`: mount a receiver on `http.createServer` or any `(req, res)` handler. */
export { nodeReceiver } from './node-receiver.js'
export type { Receiver, ReceiverRequest, ReceiverResponse } from '../../inbound/receiver.js'
export { nodeAdmin, type MountedAdminOptions } from './admin.js'
export type { AdminOptions, AdminAuthorize, AdminDenial, AdminRequest, AdminResponse } from '../../admin/admin-handlers.js'
