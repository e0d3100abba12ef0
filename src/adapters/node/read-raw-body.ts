import type { Readable } from 'node:stream'

/** The body bytes read; `complete` is false when reading stopped past the limit. */
export interface RawBody {
  body: Buffer
  complete: boolean
}

/**
 * Reads a request stream into one Buffer, stopping as soon as more than `limit` bytes arrived (the
 * receiver then answers 413). A declared `content-length` above the limit is not read at all.
 */
export function readRawBody(stream: Readable & { headers?: Record<string, unknown> }, limit: number): Promise<RawBody> {
  const declared = Number(stream.headers?.['content-length'] ?? 0)
  if (declared > limit) return Promise.resolve({ body: Buffer.alloc(0), complete: false })
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
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
      chunks.push(bytes)
      if (size > limit) {
        cleanup()
        stream.pause()
        resolve({ body: Buffer.concat(chunks, size), complete: false })
      }
    }
    const onEnd = () => {
      cleanup()
      resolve({ body: Buffer.concat(chunks, size), complete: true })
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
