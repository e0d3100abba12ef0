import type { ServerResponse } from 'node:http'
import type { ReceiverResponse } from '../../inbound/receiver.js'

/**
 * Writes the receiver's answer. `leftUnread`: the request body was not read to its end (it was
 * larger than even the bytes an adapter discards), so the connection is closed rather than kept
 * alive for a client still sending megabytes. Otherwise it stays open: closing a socket with
 * unread bytes in it makes the client see a reset instead of the answer.
 */
export function writeResponse(res: ServerResponse, response: ReceiverResponse, leftUnread = false): void {
  if (res.headersSent || res.destroyed) return
  const headers = leftUnread ? { ...response.headers, connection: 'close' } : response.headers
  res.writeHead(response.status, headers)
  res.end(response.body)
}
