import type { ServerResponse } from 'node:http'
import type { ReceiverResponse } from '../../inbound/receiver.js'

/**
 * Writes the receiver's answer. After a 413 the rest of the body was never read, so the connection
 * is closed rather than kept alive for a client still sending megabytes.
 */
export function writeResponse(res: ServerResponse, response: ReceiverResponse): void {
  if (res.headersSent || res.destroyed) return
  const headers = response.status === 413 ? { ...response.headers, connection: 'close' } : response.headers
  res.writeHead(response.status, headers)
  res.end(response.body)
}
