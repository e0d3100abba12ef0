/** `hookrelay/fastify`: mount a receiver on Fastify 5, as an encapsulated plugin. */
export { fastifyReceiver, type FastifyReceiverOptions } from './fastify-receiver.js'
export type { Receiver, ReceiverRequest, ReceiverResponse } from '../../inbound/receiver.js'
