import type { Readable } from 'node:stream'

/**
 * Bytes past the limit read and thrown away (never kept) so that the client, still sending,
 * reads our 413 instead of a TCP reset: 16 MiB. A body larger than the limit plus this is cut off
 * (and the connection closed) without being read to the end.
 */
export const DISCARD_LIMIT_BYTES = 16 * 1_048_576

/** The body bytes read. */
export interface RawBody {
  /** The bytes read: the whole body, or, past the limit, only its first bytes. */
  body: Buffer
  /** False when the body was over the limit. */
  complete: boolean
  /**
   * True when bytes of the request are still on the wire (the body was larger than the limit plus
   * `DISCARD_LIMIT_BYTES`): the answer must close the connection.
   */
  leftUnread: boolean
}

/**
 * Reads a request stream into one Buffer. Past `limit` bytes it keeps nothing more but goes on
 * reading to the end of the body (up to `DISCARD_LIMIT_BYTES` more), so that the answer (a 413)
 * reaches a client that is still sending; closing the socket under it would make the client see
 * a reset instead. A declared `content-length` beyond what would be discarded is not read at all.
 */
export function readRawBody(stream: Readable & { headers?: Record<string, unknown> }, limit: number): Promise<RawBody> {
  const declared = Number(stream.headers?.['content-length'] ?? 0)
  if (declared > limit + DISCARD_LIMIT_BYTES) return Promise.resolve({ body: Buffer.alloc(0), complete: false, leftUnread: true })
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let kept = 0
    let size = 0
    const cleanup = () => {
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('error', onError)
      stream.off('close', onClose)
    }
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += bytes.length
      if (kept <= limit) {
        chunks.push(bytes)
        kept += bytes.length
      }
      if (size > limit + DISCARD_LIMIT_BYTES) {
        cleanup()
        stream.pause()
        resolve({ body: Buffer.concat(chunks, kept), complete: false, leftUnread: true })
      }
    }
    const onEnd = () => {
      cleanup()
      resolve({ body: Buffer.concat(chunks, kept), complete: size <= limit, leftUnread: false })
    }
    const onError = (error: Error) => {
      cleanup()
      reject(error)
    }
    const onClose = () => {
      cleanup()
      reject(new Error('The request was aborted before its body was read.'))
    }
    stream.on('data', onData)
    stream.on('end', onEnd)
    stream.on('error', onError)
    stream.on('close', onClose)
  })
}
